// Body of POST /kratos/sync-identity (identity-relay ingress): the identity exactly as Kratos has it.
// Kratos strips credentials and metadata_admin from ctx.identity before calling the template.
function(ctx) {
  identity: ctx.identity,
}
