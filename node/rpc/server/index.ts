export { RpcServer, RPC_DEFAULTS } from "./rpcServer.ts";
export { RpcParams } from "./params.ts";
export type {
  MethodHandler,
  MethodOptions,
  RpcCallContext,
  RpcCors,
  RpcLogger,
  RpcMethodsPolicy,
  RpcServerOptions,
  SubscriptionDef,
  SubscriptionHandler,
  SubscriptionSink,
} from "./types.ts";
