/**
 * Error answers of the HTTP API: `{error: <TRUEUP_* code>, message}` with the status the error
 * catalog (reconciler/core/errors.ts) gives the code, so every route answers a code alike.
 */
import type { FastifyReply } from 'fastify';
import { statusOf, type TrueupCode } from '../reconciler/core/errors.ts';

/** ErrorBody is the JSON body of an error answer. */
export interface ErrorBody {
  error: TrueupCode;
  message: string;
}

/** errorBody is the JSON body of an error answer for a code. */
export function errorBody(code: TrueupCode, message: string): ErrorBody {
  return { error: code, message };
}

/** replyError answers a request with a catalog code: its status, and `{error, message}`. */
export function replyError(reply: FastifyReply, code: TrueupCode, message: string): FastifyReply {
  return reply.code(statusOf(code)).send(errorBody(code, message));
}
