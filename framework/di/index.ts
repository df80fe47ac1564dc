/**
 * The only code that touches inversify (8.x). Containers are used at composition roots only
 * (runtime assembly, node service); nothing resolves from a container on a hot path.
 */
import { Container, injectable, inject } from "inversify";

/** A typed injection token: a Symbol carrying the type it resolves to. */
export type Token<T> = symbol & { readonly __type?: T };
export const token = <T>(name: string): Token<T> => Symbol(name) as Token<T>;

export function createContainer(): Container {
  return new Container({ defaultScope: "Singleton" });
}

export function bindConstant<T>(c: Container, t: Token<T>, value: T): void {
  c.bind<T>(t).toConstantValue(value);
}

export function bindFactory<T>(c: Container, t: Token<T>, factory: (get: <U>(t: Token<U>) => U) => T): void {
  c.bind<T>(t).toDynamicValue(() => factory(<U>(u: Token<U>) => c.get<U>(u)));
}

export function resolve<T>(c: Container, t: Token<T>): T {
  return c.get<T>(t);
}

export { injectable, inject, Container };
