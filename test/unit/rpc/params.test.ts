import { expect } from "chai";
import { RpcParams } from "../../../node/rpc/server/params.ts";
import { RpcError, expectHash, expectNumberOrHex, expectOptionalHex, INVALID_PARAMS_CODE } from "../../../node/rpc/errors.ts";

function invalid(fn: () => unknown): RpcError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(RpcError);
    expect((e as RpcError).code).to.equal(INVALID_PARAMS_CODE);
    expect((e as RpcError).message).to.equal("Invalid params");
    return e as RpcError;
  }
  throw new Error("expected an RpcError");
}

const HASH = "0x" + "ab".repeat(32);

describe("RpcParams", () => {
  it("reads positional and named params; absent and null read as undefined", () => {
    const pos = new RpcParams([HASH, 5], ["hash", "count"]);
    expect(pos.length).to.equal(2);
    expect(pos.hash(0)).to.equal(HASH);
    expect(pos.number(1)).to.equal(5);
    expect(pos.at(2)).to.equal(undefined);
    const named = new RpcParams({ count: 5, hash: HASH }, ["hash", "count"]);
    expect(named.toArray()).to.deep.equal([HASH, 5]);
    expect(named.number(1)).to.equal(5);
    expect(named.at(0, "count")).to.equal(5);
    expect(new RpcParams(null).length).to.equal(0);
    expect(new RpcParams(undefined).optionalHash(0)).to.equal(undefined);
    expect(new RpcParams([null]).optionalNumber(0)).to.equal(undefined);
  });

  it("names the offending parameter", () => {
    expect(invalid(() => new RpcParams([1, "x"], ["a", "b"]).number(1)).data).to.match(/^param 1 \(b\): invalid type: string "x", expected/);
    expect(invalid(() => new RpcParams([]).string(0)).data).to.match(/^param 0: invalid type: undefined/);
    invalid(() => new RpcParams("scalar"));
  });
});

describe("RPC param validators", () => {
  it("expectHex accepts 0x-prefixed or bare even-length hex, including empty", () => {
    expect(expectOptionalHex("0x0102")).to.deep.equal(new Uint8Array([1, 2]));
    expect(expectOptionalHex("0102")).to.deep.equal(new Uint8Array([1, 2]));
    expect(expectOptionalHex("")).to.deep.equal(new Uint8Array(0));
    expect(expectOptionalHex("0x")).to.deep.equal(new Uint8Array(0));
    expect(expectOptionalHex(null)).to.equal(undefined);
    invalid(() => expectOptionalHex("0x123"));
    invalid(() => expectOptionalHex(12));
  });

  it("expectHash wants 0x and exactly 32 bytes", () => {
    expect(expectHash(HASH)).to.equal(HASH);
    invalid(() => expectHash(HASH.slice(2)));
    invalid(() => expectHash(HASH + "00"));
  });

  it("expectNumberOrHex takes numbers and hex strings (PAPI sends \"0x1\")", () => {
    expect(expectNumberOrHex(7)).to.equal(7);
    expect(expectNumberOrHex("0x1")).to.equal(1);
    expect(expectNumberOrHex("0x1b")).to.equal(27);
    invalid(() => expectNumberOrHex(-1));
    invalid(() => expectNumberOrHex(1.5));
    invalid(() => expectNumberOrHex("12"));
  });

  it("RpcError serialises like a jsonrpsee ErrorObject (no data key when absent)", () => {
    expect(JSON.stringify(RpcError.methodNotFound())).to.equal('{"code":-32601,"message":"Method not found"}');
    expect(JSON.stringify(RpcError.tooManySubscriptions(1024))).to.equal(
      '{"code":-32006,"message":"Too many subscriptions on the connection","data":"Exceeded max limit of 1024"}',
    );
  });
});
