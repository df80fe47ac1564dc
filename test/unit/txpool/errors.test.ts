import { expect } from "chai";
import { PoolError, poolErrorToRpc, validityToPoolError } from "../../../node/txpool/index.ts";

// Expected codes and strings copied by hand from paritytech/polkadot-sdk:
//   substrate/client/rpc-api/src/author/error.rs @ 47acfb554a5e3fda70921ce20641ba75ec2a9ca4
//   substrate/primitives/runtime/src/transaction_validity.rs @ 028c7b3f11a812cc9b17814d7fc7d10e40f7b4b7
// `AlreadyImported` data is Rust's `{:?}` of a `Box<dyn Any + Send + Sync>`, i.e. "Any { .. }".
describe("txpool poolErrorToRpc", () => {
  const cases: { id: string; err: PoolError; rpc: { code: number; message: string; data?: string } }[] = [
    {
      id: "bad proof",
      err: validityToPoolError({ type: "Invalid", value: { type: "BadProof" } }),
      rpc: { code: 1010, message: "Invalid Transaction", data: "Transaction has a bad signature" },
    },
    {
      id: "stale",
      err: validityToPoolError({ type: "Invalid", value: { type: "Stale" } }),
      rpc: { code: 1010, message: "Invalid Transaction", data: "Transaction is outdated" },
    },
    {
      id: "payment",
      err: validityToPoolError({ type: "Invalid", value: { type: "Payment" } }),
      rpc: { code: 1010, message: "Invalid Transaction", data: "Inability to pay some fees (e.g. account balance too low)" },
    },
    {
      id: "future",
      err: validityToPoolError({ type: "Invalid", value: { type: "Future" } }),
      rpc: { code: 1010, message: "Invalid Transaction", data: "Transaction will be valid in the future" },
    },
    {
      id: "ancient birth block",
      err: validityToPoolError({ type: "Invalid", value: { type: "AncientBirthBlock" } }),
      rpc: { code: 1010, message: "Invalid Transaction", data: "Transaction has an ancient birth block" },
    },
    {
      id: "exhausts resources",
      err: validityToPoolError({ type: "Invalid", value: { type: "ExhaustsResources" } }),
      rpc: { code: 1010, message: "Invalid Transaction", data: "Transaction would exhaust the block limits" },
    },
    {
      id: "call",
      err: validityToPoolError({ type: "Invalid", value: { type: "Call" } }),
      rpc: { code: 1010, message: "Invalid Transaction", data: "Transaction call is not expected" },
    },
    {
      id: "bad signer",
      err: validityToPoolError({ type: "Invalid", value: { type: "BadSigner" } }),
      rpc: { code: 1010, message: "Invalid Transaction", data: "Invalid signing address" },
    },
    {
      id: "mandatory validation",
      err: validityToPoolError({ type: "Invalid", value: { type: "MandatoryValidation" } }),
      rpc: { code: 1010, message: "Invalid Transaction", data: "Transaction dispatch is mandatory; transactions must not be validated." },
    },
    {
      id: "bad mandatory",
      err: validityToPoolError({ type: "Invalid", value: { type: "BadMandatory" } }),
      rpc: { code: 1010, message: "Invalid Transaction", data: "A call was labelled as mandatory, but resulted in an Error." },
    },
    {
      id: "indeterminate implicit",
      err: validityToPoolError({ type: "Invalid", value: { type: "IndeterminateImplicit" } }),
      rpc: { code: 1010, message: "Invalid Transaction", data: "The implicit data was unable to be calculated" },
    },
    {
      id: "unknown origin",
      err: validityToPoolError({ type: "Invalid", value: { type: "UnknownOrigin" } }),
      rpc: { code: 1010, message: "Invalid Transaction", data: "The transaction extension did not authorize any origin" },
    },
    {
      id: "invalid custom",
      err: validityToPoolError({ type: "Invalid", value: { type: "Custom", value: 42 } }),
      rpc: { code: 1010, message: "Invalid Transaction", data: "Custom error: 42" },
    },
    {
      id: "unknown cannot lookup",
      err: validityToPoolError({ type: "Unknown", value: { type: "CannotLookup" } }),
      rpc: { code: 1011, message: "Unknown Transaction Validity", data: "CannotLookup" },
    },
    {
      id: "unknown no unsigned validator",
      err: validityToPoolError({ type: "Unknown", value: { type: "NoUnsignedValidator" } }),
      rpc: { code: 1011, message: "Unknown Transaction Validity", data: "NoUnsignedValidator" },
    },
    {
      id: "unknown custom",
      err: validityToPoolError({ type: "Unknown", value: { type: "Custom", value: 3 } }),
      rpc: { code: 1011, message: "Unknown Transaction Validity", data: "Custom(3)" },
    },
    { id: "banned", err: new PoolError({ code: "POOL_TEMPORARILY_BANNED" }), rpc: { code: 1012, message: "Transaction is temporarily banned" } },
    {
      id: "already imported",
      err: new PoolError({ code: "POOL_ALREADY_IMPORTED", hash: "0x01" }),
      rpc: { code: 1013, message: "Transaction Already Imported", data: "Any { .. }" },
    },
    {
      id: "too low priority",
      err: new PoolError({ code: "POOL_TOO_LOW_PRIORITY", old: 10n, new: 5n }),
      rpc: {
        code: 1014,
        message: "Priority is too low: (10 vs 5)",
        data: "The transaction has too low priority to replace another transaction already in the pool.",
      },
    },
    { id: "cycle", err: new PoolError({ code: "POOL_CYCLE_DETECTED" }), rpc: { code: 1015, message: "Cycle Detected" } },
    {
      id: "immediately dropped",
      err: new PoolError({ code: "POOL_IMMEDIATELY_DROPPED" }),
      rpc: { code: 1016, message: "Immediately Dropped", data: "The transaction couldn't enter the pool because of the limit" },
    },
    {
      id: "no tags",
      err: new PoolError({ code: "POOL_NO_TAGS" }),
      rpc: { code: 1019, message: "No tags provided", data: "Transaction does not provide any tags, so the pool can't identify it" },
    },
  ];

  for (const c of cases) {
    it(c.id, () => {
      expect(poolErrorToRpc(c.err)).to.deep.equal(c.rpc);
    });
  }

  it("omits data where Substrate sends none", () => {
    expect(poolErrorToRpc(new PoolError({ code: "POOL_TEMPORARILY_BANNED" }))).to.not.have.property("data");
  });

  it("carries the code and payload", () => {
    const e = validityToPoolError({ type: "Invalid", value: { type: "Stale" } });
    expect(e).to.be.instanceOf(Error);
    expect(e.code).to.equal("POOL_INVALID");
    expect(e.payload).to.deep.equal({ code: "POOL_INVALID", error: { type: "Stale" } });
  });
});
