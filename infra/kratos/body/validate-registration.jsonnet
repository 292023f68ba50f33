// Body of POST /kratos/validate-registration (identity-relay ingress), an interrupting hook
// (response.parse: true) that runs before Kratos stores the identity. The identity is not saved yet,
// so its id and address ids may be zero; the flow id ties the decision to this registration attempt.
function(ctx) {
  identity: ctx.identity,
  flow: {
    id: ctx.flow.id,
    type: ctx.flow.type,
    request_url: ctx.flow.request_url,
  },
}
