/**
 * pallet_balances: free/reserved/frozen balances kept in `System.Account` (Subspace's
 * `AccountStore = System`), transfers with FRAME's existence rules, dust removal and issuance.
 */
import { struct, u32, u128, compactU128, vec, variant, byteArray, bool, type Ty, newtype } from "../../framework/codec/ty.ts";
import { AccountId32, MultiAddress, type AccountId, type DispatchError } from "../../framework/codec/substrate.ts";
import { StorageValue, StorageMap } from "../../framework/storage/items.ts";
import {
  Pallet, OK, fail, ensureSigned, isRoot, BAD_ORIGIN, event, error, weight, type DispatchResult, type Origin,
} from "../../framework/pallet/pallet.ts";
import type { SystemPallet } from "../system/system.ts";

const P = "Balances";
const NEW_LOGIC_FLAG = 1n << 127n;

export interface AccountData {
  free: bigint;
  reserved: bigint;
  frozen: bigint;
  flags: bigint;
}

export const ExtraFlags = newtype(u128, { path: ["pallet_balances", "types", "ExtraFlags"], typeName: "u128" });
export const AccountDataTy: Ty<AccountData> = struct(
  { free: u128, reserved: u128, frozen: u128, flags: ExtraFlags },
  { path: ["pallet_balances", "types", "AccountData"], params: [{ name: "Balance", type: u128 }] },
);
export const DEFAULT_ACCOUNT_DATA: AccountData = { free: 0n, reserved: 0n, frozen: 0n, flags: NEW_LOGIC_FLAG };

const Reasons = variant({ Fee: { index: 0 }, Misc: { index: 1 }, All: { index: 2 } }, { path: ["pallet_balances", "types", "Reasons"] });
const BalanceLock = struct({ id: byteArray(8), amount: u128, reasons: Reasons }, { path: ["pallet_balances", "types", "BalanceLock"] });
const ReserveData = struct({ id: byteArray(8), amount: u128 }, { path: ["pallet_balances", "types", "ReserveData"] });
const AdjustmentDirection = variant({ Increase: { index: 0 }, Decrease: { index: 1 } }, { path: ["pallet_balances", "types", "AdjustmentDirection"] });

export interface BalancesConfig {
  readonly existentialDeposit: bigint;
  readonly maxLocks: number;
  readonly maxReserves: number;
  readonly maxFreezes: number;
  /** Runtime hold/freeze reason enums (`RuntimeHoldReason`, `RuntimeFreezeReason`). */
  readonly holdReason: Ty<any>;
  readonly freezeReason: Ty<any>;
}

export type Preservation = "Expendable" | "Preserve";

export class BalancesPallet extends Pallet {
  readonly name = P;
  override readonly docs = ["The Balances pallet: fungible balances with existential deposit."];

  readonly TotalIssuance = new StorageValue(P, "TotalIssuance", u128, { default: 0n, docs: "The total units issued in the system." });
  readonly InactiveIssuance = new StorageValue(P, "InactiveIssuance", u128, { default: 0n, docs: "The total units of outstanding deactivated balance in the system." });
  readonly Account = new StorageMap(P, "Account", "Blake2_128Concat", AccountId32, AccountDataTy, { default: DEFAULT_ACCOUNT_DATA, docs: "The Balances pallet example of storing the balance of an account (unused: balances live in System.Account)." });
  readonly Locks = new StorageMap(P, "Locks", "Blake2_128Concat", AccountId32, vec(BalanceLock), { default: [], docs: "Any liquidity locks on some account balances." });
  readonly Reserves = new StorageMap(P, "Reserves", "Blake2_128Concat", AccountId32, vec(ReserveData), { default: [], docs: "Named reserves on some account balances." });
  readonly Holds: StorageMap<AccountId, { id: any; amount: bigint }[]>;
  readonly Freezes: StorageMap<AccountId, { id: any; amount: bigint }[]>;

  constructor(readonly config: BalancesConfig, private readonly system: SystemPallet) {
    super();
    const holdTy = struct({ id: config.holdReason, amount: u128 }, { path: ["frame_support", "traits", "tokens", "misc", "IdAmount"], params: [{ name: "Id", type: config.holdReason }, { name: "Balance", type: u128 }] });
    const freezeTy = struct({ id: config.freezeReason, amount: u128 }, { path: ["frame_support", "traits", "tokens", "misc", "IdAmount"], params: [{ name: "Id", type: config.freezeReason }, { name: "Balance", type: u128 }] });
    this.Holds = new StorageMap(P, "Holds", "Blake2_128Concat", AccountId32, vec(holdTy), { default: [], docs: "Holds on account balances." });
    this.Freezes = new StorageMap(P, "Freezes", "Blake2_128Concat", AccountId32, vec(freezeTy), { default: [], docs: "Freeze locks on account balances." });
    this.storage.push(this.TotalIssuance, this.InactiveIssuance, this.Account, this.Locks, this.Reserves, this.Holds, this.Freezes);

    const transferWeight = () => weight(40_000_000, 3_593);
    Object.assign(this.calls, {
      transfer_allow_death: {
        index: 0, args: { dest: MultiAddress, value: compactU128 }, weight: transferWeight,
        docs: "Transfer some liquid free balance to another account; the sender may be reaped.",
        dispatch: (o: Origin, a: any) => this.transferCall(o, a.dest, a.value, "Expendable"),
      },
      force_transfer: {
        index: 2, args: { source: MultiAddress, dest: MultiAddress, value: compactU128 }, weight: transferWeight,
        docs: "Exactly as `transfer_allow_death`, except the origin must be root and the source account may be specified.",
        dispatch: (o: Origin, a: any) => {
          if (!isRoot(o)) return fail(BAD_ORIGIN);
          const src = lookup(a.source);
          const dst = lookup(a.dest);
          if (!src || !dst) return fail({ tag: "CannotLookup" });
          return this.transfer(src, dst, a.value, "Expendable");
        },
      },
      transfer_keep_alive: {
        index: 3, args: { dest: MultiAddress, value: compactU128 }, weight: transferWeight,
        docs: "Same as `transfer_allow_death`, but with a check that the transfer will not kill the origin account.",
        dispatch: (o: Origin, a: any) => this.transferCall(o, a.dest, a.value, "Preserve"),
      },
      transfer_all: {
        index: 4, args: { dest: MultiAddress, keepAlive: bool }, weight: transferWeight,
        docs: "Transfer the entire transferable balance from the caller account.",
        dispatch: (o: Origin, a: any) => {
          const s = ensureSigned(o);
          if (!s.ok) return fail(s.error);
          const dst = lookup(a.dest);
          if (!dst) return fail({ tag: "CannotLookup" });
          const preservation: Preservation = a.keepAlive ? "Preserve" : "Expendable";
          return this.transfer(s.who, dst, this.reducibleBalance(s.who, preservation), preservation);
        },
      },
      force_unreserve: {
        index: 5, args: { who: MultiAddress, amount: u128 }, weight: transferWeight,
        docs: "Unreserve some balance from a user by force.",
        dispatch: (o: Origin, a: any) => {
          if (!isRoot(o)) return fail(BAD_ORIGIN);
          const who = lookup(a.who);
          if (!who) return fail({ tag: "CannotLookup" });
          this.unreserve(who, a.amount);
          return OK;
        },
      },
      upgrade_accounts: {
        index: 6, args: { who: vec(AccountId32) }, weight: (a: any) => weight(10_000_000 * (1 + a.who.length)),
        docs: "Upgrade a specified account.",
        dispatch: (o: Origin) => (o.tag === "Signed" ? OK : fail(BAD_ORIGIN)),
      },
      force_set_balance: {
        index: 8, args: { who: MultiAddress, newFree: compactU128 }, weight: transferWeight,
        docs: "Set the regular balance of a given account.",
        dispatch: (o: Origin, a: any) => {
          if (!isRoot(o)) return fail(BAD_ORIGIN);
          const who = lookup(a.who);
          if (!who) return fail({ tag: "CannotLookup" });
          return this.forceSetBalance(who, a.newFree);
        },
      },
      force_adjust_total_issuance: {
        index: 9, args: { direction: AdjustmentDirection, delta: compactU128 }, weight: transferWeight,
        docs: "Adjust the total issuance in a saturating way.",
        dispatch: (o: Origin, a: any) => {
          if (!isRoot(o)) return fail(BAD_ORIGIN);
          if (a.delta === 0n) return fail(this.error("DeltaZero"));
          const old = this.TotalIssuance.get();
          const next = a.direction.tag === "Increase" ? old + a.delta : old > a.delta ? old - a.delta : 0n;
          if (next < this.InactiveIssuance.get()) return fail(this.error("IssuanceDeactivated"));
          this.TotalIssuance.set(next);
          this.deposit({ tag: "TotalIssuanceForced", value: { old, new: next } });
          return OK;
        },
      },
      burn: {
        index: 10, args: { value: compactU128, keepAlive: bool }, weight: transferWeight,
        docs: "Burn the specified liquid free balance from the origin account.",
        dispatch: (o: Origin, a: any) => {
          const s = ensureSigned(o);
          if (!s.ok) return fail(s.error);
          const r = this.withdraw(s.who, a.value, a.keepAlive ? "Preserve" : "Expendable");
          if (!r.ok) return fail(r.error);
          this.TotalIssuance.mutate((t) => t - a.value);
          this.deposit({ tag: "Burned", value: { who: s.who, amount: a.value } });
          return OK;
        },
      },
    });
    const whoAmount = { who: AccountId32, amount: u128 };
    Object.assign(this.events, {
      Endowed: event(0, { account: AccountId32, freeBalance: u128 }, "An account was created with some free balance."),
      DustLost: event(1, { account: AccountId32, amount: u128 }, "An account was removed whose balance was non-zero but below ExistentialDeposit, resulting in an outright loss."),
      Transfer: event(2, { from: AccountId32, to: AccountId32, amount: u128 }, "Transfer succeeded."),
      BalanceSet: event(3, { who: AccountId32, free: u128 }, "A balance was set by root."),
      Reserved: event(4, whoAmount, "Some balance was reserved (moved from free to reserved)."),
      Unreserved: event(5, whoAmount, "Some balance was unreserved (moved from reserved to free)."),
      ReserveRepatriated: event(6, { from: AccountId32, to: AccountId32, amount: u128, destinationStatus: variant({ Free: { index: 0 }, Reserved: { index: 1 } }, { path: ["frame_support", "traits", "tokens", "misc", "BalanceStatus"] }) }, "Some balance was moved from the reserve of the first account to the second account."),
      Deposit: event(7, whoAmount, "Some amount was deposited (e.g. for transaction fees)."),
      Withdraw: event(8, whoAmount, "Some amount was withdrawn from the account (e.g. for transaction fees)."),
      Slashed: event(9, whoAmount, "Some amount was removed from the account (e.g. for misbehavior)."),
      Minted: event(10, whoAmount, "Some amount was minted into an account."),
      Burned: event(11, whoAmount, "Some amount was burned from an account."),
      Suspended: event(12, whoAmount, "Some amount was suspended from an account (it can be restored later)."),
      Restored: event(13, whoAmount, "Some amount was restored into an account."),
      Upgraded: event(14, { who: AccountId32 }, "An account was upgraded."),
      Issued: event(15, { amount: u128 }, "Total issuance was increased by `amount`, creating a credit to be balanced."),
      Rescinded: event(16, { amount: u128 }, "Total issuance was decreased by `amount`, creating a debt to be balanced."),
      Locked: event(17, whoAmount, "Some balance was locked."),
      Unlocked: event(18, whoAmount, "Some balance was unlocked."),
      Frozen: event(19, whoAmount, "Some balance was frozen."),
      Thawed: event(20, whoAmount, "Some balance was thawed."),
      TotalIssuanceForced: event(21, { old: u128, new: u128 }, "The `TotalIssuance` was forcefully changed."),
    });
    Object.assign(this.errors, {
      VestingBalance: error(0, "Vesting balance too high to send value."),
      LiquidityRestrictions: error(1, "Account liquidity restrictions prevent withdrawal."),
      InsufficientBalance: error(2, "Balance too low to send value."),
      ExistentialDeposit: error(3, "Value too low to create account due to existential deposit."),
      Expendability: error(4, "Transfer/payment would kill account."),
      ExistingVestingSchedule: error(5, "A vesting schedule already exists for this account."),
      DeadAccount: error(6, "Beneficiary account must pre-exist."),
      TooManyReserves: error(7, "Number of named reserves exceed `MaxReserves`."),
      TooManyHolds: error(8, "Number of holds exceed `VariantCountOf<T::RuntimeHoldReason>`."),
      TooManyFreezes: error(9, "Number of freezes exceed `MaxFreezes`."),
      IssuanceDeactivated: error(10, "The issuance cannot be modified since it is already deactivated."),
      DeltaZero: error(11, "The delta cannot be zero."),
    });
    this.constants.push(
      { name: "ExistentialDeposit", ty: u128, value: config.existentialDeposit, docs: "The minimum amount required to keep an account open. MUST BE GREATER THAN ZERO!" },
      { name: "MaxLocks", ty: u32, value: config.maxLocks, docs: "The maximum number of locks that should exist on an account." },
      { name: "MaxReserves", ty: u32, value: config.maxReserves, docs: "The maximum number of named reserves that can exist on an account." },
      { name: "MaxFreezes", ty: u32, value: config.maxFreezes, docs: "The maximum number of individual freeze locks that can exist on an account at any time." },
    );
  }

  // ----------------------------------------------------------------------------------------------
  // Queries

  data(who: AccountId): AccountData {
    return this.system.account(who).data as AccountData;
  }

  freeBalance(who: AccountId): bigint {
    return this.data(who).free;
  }

  totalBalance(who: AccountId): bigint {
    const d = this.data(who);
    return d.free + d.reserved;
  }

  /** What can be withdrawn without breaking frozen funds (and, with Preserve, the ED). */
  reducibleBalance(who: AccountId, preservation: Preservation): bigint {
    const d = this.data(who);
    const untouchable = maxBig(d.frozen - d.reserved, 0n);
    const keep = preservation === "Preserve" ? maxBig(untouchable, this.config.existentialDeposit) : untouchable;
    return maxBig(d.free - keep, 0n);
  }

  // ----------------------------------------------------------------------------------------------
  // Mutations (fungible::Mutate semantics)

  private transferCall(o: Origin, dest: any, value: bigint, preservation: Preservation): DispatchResult {
    const s = ensureSigned(o);
    if (!s.ok) return fail(s.error);
    const dst = lookup(dest);
    if (!dst) return fail({ tag: "CannotLookup" });
    return this.transfer(s.who, dst, value, preservation);
  }

  transfer(from: AccountId, to: AccountId, value: bigint, preservation: Preservation): DispatchResult {
    if (value === 0n || equal(from, to)) return OK;
    const src = this.data(from);
    if (src.free < value) return fail({ tag: "Token", value: { tag: "FundsUnavailable" } });
    const untouchable = maxBig(src.frozen - src.reserved, 0n);
    if (src.free - value < untouchable) return fail({ tag: "Token", value: { tag: "Frozen" } });
    const remaining = src.free - value;
    const ed = this.config.existentialDeposit;
    if (remaining < ed && preservation === "Preserve") return fail({ tag: "Token", value: { tag: "NotExpendable" } });
    const dst = this.data(to);
    if (dst.free + value < ed && dst.free + dst.reserved === 0n) return fail({ tag: "Token", value: { tag: "BelowMinimum" } });
    if (remaining < ed && this.system.account(from).consumers > 0 && remaining + src.reserved === 0n) {
      return fail({ tag: "ConsumerRemaining" });
    }
    const r = this.credit(to, value);
    if (!r.ok) return fail(r.error);
    this.debit(from, value);
    this.deposit({ tag: "Transfer", value: { from, to, amount: value } });
    return OK;
  }

  /** Adds to free balance, creating the account (providers + Endowed) when new. */
  private credit(who: AccountId, amount: bigint): { ok: true } | { ok: false; error: DispatchError } {
    const d = this.data(who);
    const isNew = d.free === 0n && d.reserved === 0n;
    if (isNew && amount < this.config.existentialDeposit) return { ok: false, error: { tag: "Token", value: { tag: "BelowMinimum" } } };
    if (isNew) this.system.incProviders(who);
    this.system.mutateAccountData<AccountData>(who, (x) => ({ ...x, free: x.free + amount }));
    if (isNew) this.deposit({ tag: "Endowed", value: { account: who, freeBalance: amount } });
    return { ok: true };
  }

  /** Subtracts from free balance; below the ED (and nothing reserved) the account is reaped and the dust burnt. */
  private debit(who: AccountId, amount: bigint): void {
    const d = this.data(who);
    const remaining = d.free - amount;
    if (remaining < this.config.existentialDeposit && d.reserved === 0n) {
      this.system.mutateAccountData<AccountData>(who, (x) => ({ ...x, free: 0n }));
      if (remaining > 0n) {
        this.TotalIssuance.mutate((t) => t - remaining);
        this.deposit({ tag: "DustLost", value: { account: who, amount: remaining } });
      }
      this.system.decProviders(who);
      return;
    }
    this.system.mutateAccountData<AccountData>(who, (x) => ({ ...x, free: remaining }));
  }

  /** Withdraws `amount` (burning it from the account's point of view; the caller decides on issuance). */
  withdraw(who: AccountId, amount: bigint, preservation: Preservation): { ok: true } | { ok: false; error: DispatchError } {
    if (amount === 0n) return { ok: true };
    if (this.reducibleBalance(who, preservation) < amount) return { ok: false, error: { tag: "Token", value: { tag: "FundsUnavailable" } } };
    this.debit(who, amount);
    return { ok: true };
  }

  /** Deposits `amount` into an account (creating it if at least the ED); used by fees refunds and rewards. */
  depositInto(who: AccountId, amount: bigint): { ok: true } | { ok: false; error: DispatchError } {
    if (amount === 0n) return { ok: true };
    return this.credit(who, amount);
  }

  /** Mints new issuance into an account. */
  mint(who: AccountId, amount: bigint): { ok: true } | { ok: false; error: DispatchError } {
    const r = this.credit(who, amount);
    if (!r.ok) return r;
    this.TotalIssuance.mutate((t) => t + amount);
    this.deposit({ tag: "Minted", value: { who, amount } });
    return r;
  }

  reserve(who: AccountId, amount: bigint): { ok: true } | { ok: false; error: DispatchError } {
    if (this.reducibleBalance(who, "Preserve") < amount) return { ok: false, error: this.error("InsufficientBalance") };
    this.system.mutateAccountData<AccountData>(who, (x) => ({ ...x, free: x.free - amount, reserved: x.reserved + amount }));
    this.deposit({ tag: "Reserved", value: { who, amount } });
    return { ok: true };
  }

  unreserve(who: AccountId, amount: bigint): bigint {
    const d = this.data(who);
    const actual = amount < d.reserved ? amount : d.reserved;
    if (actual === 0n) return 0n;
    this.system.mutateAccountData<AccountData>(who, (x) => ({ ...x, free: x.free + actual, reserved: x.reserved - actual }));
    this.deposit({ tag: "Unreserved", value: { who, amount: actual } });
    return actual;
  }

  private forceSetBalance(who: AccountId, newFree: bigint): DispatchResult {
    const d = this.data(who);
    const ed = this.config.existentialDeposit;
    const target = newFree < ed ? 0n : newFree;
    if (target > d.free) {
      const delta = target - d.free;
      this.credit(who, delta);
      this.TotalIssuance.mutate((t) => t + delta);
    } else if (target < d.free) {
      const delta = d.free - target;
      this.debit(who, delta);
      this.TotalIssuance.mutate((t) => t - (d.free - this.data(who).free > delta ? d.free - this.data(who).free : delta));
    }
    this.deposit({ tag: "BalanceSet", value: { who, free: this.data(who).free } });
    return OK;
  }

  // ----------------------------------------------------------------------------------------------
  // Genesis

  override buildGenesis(config: { balances?: [string | Uint8Array, string | number | bigint][] } & { accounts?: [Uint8Array, bigint][] }): void {
    const seen = new Set<string>();
    let total = 0n;
    for (const [who, amount] of config.accounts ?? []) {
      const key = Buffer.from(who).toString("hex");
      if (seen.has(key)) throw new Error(`Balances genesis: duplicate account 0x${key}`);
      seen.add(key);
      if (amount < this.config.existentialDeposit) throw new Error(`Balances genesis: balance of 0x${key} is below the existential deposit`);
      this.system.incProviders(who);
      this.system.mutateAccountData<AccountData>(who, (x) => ({ ...x, free: amount }));
      total += amount;
    }
    this.TotalIssuance.set(total);
  }

  override integrityTest(): void {
    if (this.config.existentialDeposit <= 0n) throw new Error("Balances: ExistentialDeposit must be greater than zero");
  }
}

export function lookup(address: { tag: string; value?: any }): AccountId | undefined {
  // AccountIdLookup resolves only `Id` (the Subspace runtime has no account indices).
  if (address.tag === "Id") return address.value as Uint8Array;
  return undefined;
}

const maxBig = (a: bigint, b: bigint) => (a > b ? a : b);
function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
