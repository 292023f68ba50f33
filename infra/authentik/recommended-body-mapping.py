# identity-relay's recommended Authentik webhook body mapping (Customization > Property Mappings >
# Webhook Mapping; the blueprint installs it as `identity-relay-webhook-body`).
#
# It sends JSON instead of the default body's Python-repr summary, and adds the event's own id and time:
#   {"event_type": "model_created", "pk": 12, "app": "authentik_core", "model_name": "user",
#    "event_pk": "<event uuid>", "created": "2026-05-01T10:00:00.123456+00:00"}
# identity-relay uses event_pk as the idempotency key (Authentik retries and may deliver twice) and
# created as the event time; app/model_name let it ignore events about other models with a 200.
# Older installs may expose the notification only as request.context["notification"]; both are tried.
notification = request.context.get("notification") if request else None
event = getattr(notification, "event", None)
if event is None:
    # A notification without an event (e.g. a test notification): nothing to sync.
    return {"event_type": "notification", "pk": None}
model = event.context.get("model") or {}
pk = model.get("pk")
return {
    "event_type": event.action,
    "pk": pk if isinstance(pk, int) else None,
    "app": model.get("app"),
    "model_name": model.get("model_name"),
    "event_pk": str(event.pk),
    "created": event.created.isoformat(),
}
