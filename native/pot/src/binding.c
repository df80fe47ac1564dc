/*
 * N-API binding of the PoT kernels (plain node_api.h, N-API version 8).
 *
 *   accel: string                      "x86-64 aes-ni" | "aarch64 crypto" | "none"
 *   variants: string[]                 verification kernels this CPU runs, best first
 *   prove(key, seed, iterations, count) -> Uint8Array(16 * count)
 *       count checkpoints, each `iterations` (> 0) AES-128 encryptions after the previous one
 *   verify(key, starts, ends, iterations[, variant]) -> boolean
 *       E^iterations(starts[j]) == ends[j] for every 16-byte lane pair j; iterations >= 0, any
 *       parity (an odd count first takes one forward step), lanes verified 8 at a time, meeting
 *       in the middle
 *   expandKey(key) -> Uint8Array(176)  the round keys (for tests)
 *
 * Both run synchronously on the calling thread (a worker in the node). Bad arguments throw
 * TypeError or RangeError. The module still loads where no kernel exists (accel "none", prove
 * and verify throw), so a loader can tell "unsupported CPU" from "not built".
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <string.h>
#include "pot.h"

static const char *const VARIANT_NAMES[POT_VARIANT_COUNT] = { "none", "aes-ni", "vaes-256", "vaes-512", "armv8" };
/* Preference order for verification: widest first. PERF: see native/pot/README.md. */
static const int VARIANT_ORDER[] = { POT_VARIANT_VAES512, POT_VARIANT_VAES256, POT_VARIANT_AESNI, POT_VARIANT_ARMV8 };

static unsigned g_variants;
static int g_best = POT_VARIANT_NONE;
static int g_arm;

#define CHECK(env, call)                                                  \
  do {                                                                    \
    if ((call) != napi_ok) {                                              \
      napi_throw_error((env), "POT_NATIVE_ERROR", "N-API call failed: " #call); \
      return NULL;                                                        \
    }                                                                     \
  } while (0)

/* A Uint8Array argument of exactly `len` bytes (len 0: any multiple of 16 bytes > 0). */
static int get_bytes(napi_env env, napi_value v, size_t len, const char *what, uint8_t **data, size_t *out_len) {
  bool is_ta = false;
  napi_typedarray_type type;
  size_t n = 0;
  void *p = NULL;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta
      || napi_get_typedarray_info(env, v, &type, &n, &p, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", what);
    return 0;
  }
  if (len ? n != len : (n == 0 || n % 16 != 0)) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", what);
    return 0;
  }
  *data = (uint8_t *)p;
  if (out_len) *out_len = n;
  return 1;
}

/* A non-negative integer number no larger than 2^53 - 1. */
static int get_count(napi_env env, napi_value v, const char *what, uint64_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", what);
    return 0;
  }
  if (!(d >= 0 && d <= 9007199254740991.0) || d != (double)(uint64_t)d) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", what);
    return 0;
  }
  *out = (uint64_t)d;
  return 1;
}

static void chain(const uint8_t rk[11][16], const uint8_t *seed, uint64_t iterations, uint32_t count, uint8_t *out) {
  if (g_arm) pot_arm_chain(rk, seed, iterations, count, out);
  else pot_x86_chain(rk, seed, iterations, count, out);
}

static int verify_group(int variant, const uint8_t rk[11][16], const uint8_t *starts, const uint8_t *ends, uint64_t half) {
  switch (variant) {
    case POT_VARIANT_VAES512: return pot_x86_verify_vaes512(rk, starts, ends, half);
    case POT_VARIANT_VAES256: return pot_x86_verify_vaes256(rk, starts, ends, half);
    case POT_VARIANT_AESNI: return pot_x86_verify_aesni(rk, starts, ends, half);
    case POT_VARIANT_ARMV8: return pot_arm_verify(rk, starts, ends, half);
    default: return 0;
  }
}

static napi_value make_bytes(napi_env env, const uint8_t *src, size_t len) {
  napi_value ab, ta;
  void *p;
  if (napi_create_arraybuffer(env, len, &p, &ab) != napi_ok) return NULL;
  memcpy(p, src, len);
  if (napi_create_typedarray(env, napi_uint8_array, len, ab, 0, &ta) != napi_ok) return NULL;
  return ta;
}

static napi_value js_prove(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "prove(key, seed, iterations, count)");
    return NULL;
  }
  uint8_t *key, *seed;
  uint64_t iterations, count;
  if (!get_bytes(env, argv[0], 16, "key must be a 16-byte Uint8Array", &key, NULL)) return NULL;
  if (!get_bytes(env, argv[1], 16, "seed must be a 16-byte Uint8Array", &seed, NULL)) return NULL;
  if (!get_count(env, argv[2], "iterations must be a non-negative safe integer", &iterations)) return NULL;
  if (!get_count(env, argv[3], "count must be a non-negative safe integer", &count)) return NULL;
  if (iterations == 0 || count == 0 || count > 1u << 20) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "iterations must be positive and count in 1..2^20");
    return NULL;
  }
  if (g_best == POT_VARIANT_NONE) {
    napi_throw_error(env, "POT_NATIVE_UNSUPPORTED", "no AES kernel for this CPU");
    return NULL;
  }
  uint8_t rk[11][16], k[16], s[16];
  memcpy(k, key, 16); /* copies: the kernels must not read JS memory a GC could move */
  memcpy(s, seed, 16);
  pot_expand_key(k, rk);
  napi_value ab, ta;
  void *out;
  CHECK(env, napi_create_arraybuffer(env, 16 * (size_t)count, &out, &ab));
  chain((const uint8_t(*)[16])rk, s, iterations, (uint32_t)count, (uint8_t *)out);
  CHECK(env, napi_create_typedarray(env, napi_uint8_array, 16 * (size_t)count, ab, 0, &ta));
  return ta;
}

static napi_value js_verify(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "verify(key, starts, ends, iterations[, variant])");
    return NULL;
  }
  uint8_t *key, *starts, *ends;
  size_t n_starts, n_ends;
  uint64_t iterations;
  if (!get_bytes(env, argv[0], 16, "key must be a 16-byte Uint8Array", &key, NULL)) return NULL;
  if (!get_bytes(env, argv[1], 0, "starts must be a Uint8Array of 16-byte lanes", &starts, &n_starts)) return NULL;
  if (!get_bytes(env, argv[2], 0, "ends must be a Uint8Array of 16-byte lanes", &ends, &n_ends)) return NULL;
  if (n_starts != n_ends) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "starts and ends must have the same number of lanes");
    return NULL;
  }
  if (!get_count(env, argv[3], "iterations must be a non-negative safe integer", &iterations)) return NULL;
  int variant = g_best;
  if (argc >= 5) {
    napi_valuetype t;
    CHECK(env, napi_typeof(env, argv[4], &t));
    if (t != napi_undefined) {
      char name[32];
      size_t len;
      if (t != napi_string || napi_get_value_string_utf8(env, argv[4], name, sizeof name, &len) != napi_ok) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "variant must be a string");
        return NULL;
      }
      variant = POT_VARIANT_NONE;
      for (int v = 1; v < POT_VARIANT_COUNT; v++) if (strcmp(name, VARIANT_NAMES[v]) == 0) variant = v;
      if (variant == POT_VARIANT_NONE || !(g_variants & (1u << variant))) {
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "variant not available on this CPU");
        return NULL;
      }
    }
  }
  if (variant == POT_VARIANT_NONE) {
    napi_throw_error(env, "POT_NATIVE_UNSUPPORTED", "no AES kernel for this CPU");
    return NULL;
  }
  uint8_t rk[11][16], k[16];
  memcpy(k, key, 16);
  pot_expand_key(k, rk);
  const uint8_t(*crk)[16] = (const uint8_t(*)[16])rk;
  size_t lanes = n_starts / 16;
  int ok = 1;
  for (size_t g = 0; ok && g < lanes; g += POT_GROUP) {
    /* A partial last group is padded with copies of its first lane pair. */
    uint8_t s[16 * POT_GROUP], e[16 * POT_GROUP];
    size_t m = lanes - g < POT_GROUP ? lanes - g : POT_GROUP;
    for (size_t j = 0; j < POT_GROUP; j++) {
      size_t src = g + (j < m ? j : 0);
      memcpy(s + 16 * j, starts + 16 * src, 16);
      memcpy(e + 16 * j, ends + 16 * src, 16);
    }
    if (iterations & 1) {
      /* Odd: one forward step per lane first, then meet in the middle. */
      for (size_t j = 0; j < POT_GROUP; j++) chain(crk, s + 16 * j, 1, 1, s + 16 * j);
    }
    ok = verify_group(variant, crk, s, e, iterations / 2);
  }
  napi_value result;
  CHECK(env, napi_get_boolean(env, ok != 0, &result));
  return result;
}

static napi_value js_expand_key(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *key;
  if (argc < 1 || !get_bytes(env, argv[0], 16, "key must be a 16-byte Uint8Array", &key, NULL)) {
    if (argc < 1) napi_throw_type_error(env, "ERR_MISSING_ARGS", "expandKey(key)");
    return NULL;
  }
  uint8_t k[16], rk[11][16];
  memcpy(k, key, 16);
  pot_expand_key(k, rk);
  return make_bytes(env, &rk[0][0], sizeof rk);
}

NAPI_MODULE_INIT() {
  g_variants = pot_x86_variants() | pot_arm_variants();
  g_arm = (g_variants & (1u << POT_VARIANT_ARMV8)) != 0;
  for (size_t i = 0; i < sizeof VARIANT_ORDER / sizeof VARIANT_ORDER[0]; i++) {
    if (g_variants & (1u << VARIANT_ORDER[i])) {
      g_best = VARIANT_ORDER[i];
      break;
    }
  }
  const char *accel = g_arm ? "aarch64 crypto" : g_variants ? "x86-64 aes-ni" : "none";
  napi_value v, list, fn;
  CHECK(env, napi_create_string_utf8(env, accel, NAPI_AUTO_LENGTH, &v));
  CHECK(env, napi_set_named_property(env, exports, "accel", v));
  CHECK(env, napi_create_array(env, &list));
  uint32_t n = 0;
  for (size_t i = 0; i < sizeof VARIANT_ORDER / sizeof VARIANT_ORDER[0]; i++) {
    if (!(g_variants & (1u << VARIANT_ORDER[i]))) continue;
    CHECK(env, napi_create_string_utf8(env, VARIANT_NAMES[VARIANT_ORDER[i]], NAPI_AUTO_LENGTH, &v));
    CHECK(env, napi_set_element(env, list, n++, v));
  }
  CHECK(env, napi_set_named_property(env, exports, "variants", list));
  CHECK(env, napi_create_function(env, "prove", NAPI_AUTO_LENGTH, js_prove, NULL, &fn));
  CHECK(env, napi_set_named_property(env, exports, "prove", fn));
  CHECK(env, napi_create_function(env, "verify", NAPI_AUTO_LENGTH, js_verify, NULL, &fn));
  CHECK(env, napi_set_named_property(env, exports, "verify", fn));
  CHECK(env, napi_create_function(env, "expandKey", NAPI_AUTO_LENGTH, js_expand_key, NULL, &fn));
  CHECK(env, napi_set_named_property(env, exports, "expandKey", fn));
  return exports;
}
