export {
  KRATOS_DEFAULT_PAGE_SIZE,
  KRATOS_MAX_PAGE_SIZE,
  kratosAdminIdentity,
  kratosTime,
  startKratosAdminStandIn,
  type KratosAdminIdentity,
  type KratosAdminStandIn,
  type KratosAdminStandInOptions,
} from './kratos-admin.js';
export {
  authentikApiUser,
  startAuthentikUsersStandIn,
  type AuthentikApiUser,
  type AuthentikUsersStandIn,
  type AuthentikUsersStandInOptions,
} from './authentik-users.js';
export { listen, sendJson, type RunningServer } from './http-standin.js';
export {
  authentikUser,
  startAuthentikStandIn,
  type Answer,
  type AuthentikStandIn,
  type AuthentikStandInOptions,
} from './authentik-user-lookup.js';
export { freePort } from './ports.js';
export { rawHeader, SmtpSink, startSmtpSink, type SinkMail, type SmtpSinkOptions } from './smtp-sink.js';
