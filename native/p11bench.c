/*
 * p11bench: the physical limit of a PKCS#11 token for signing, measured from C.
 *
 * Signs in a tight loop (C_SignInit + C_Sign per signature, as the service does) through the
 * same module, token and key that Signet uses, with N threads, each with its own session.
 * No HTTP, no JavaScript, no copies beyond what the module itself does: the fastest any
 * program on this machine can sign with this token.
 *
 *   P11BENCH_PIN=<user pin> p11bench <module.so> <token label> <key label> <mechanism> <threads> <seconds>
 *   mechanism: rsa-pkcs (CKM_SHA256_RSA_PKCS over a message), rsa-pss (CKM_SHA256_RSA_PKCS_PSS),
 *              ecdsa (CKM_ECDSA over a 32-byte digest), eddsa (CKM_EDDSA over a message)
 *
 * Prints one JSON object: {"mechanism", "threads", "signatures", "seconds", "perSecond",
 * "cpuSeconds"}. Compiled by the bench suite with the machine's cc; never committed as a
 * binary. The PKCS#11 types below are the few this program needs, laid out as the
 * specification (2.40) defines them for Unix (CK_ULONG is unsigned long).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef unsigned long CK_ULONG;
typedef CK_ULONG CK_RV;
typedef CK_ULONG CK_SESSION_HANDLE;
typedef CK_ULONG CK_OBJECT_HANDLE;
typedef CK_ULONG CK_SLOT_ID;

typedef struct { unsigned char major, minor; } CK_VERSION;
typedef struct { CK_ULONG mechanism; void *pParameter; CK_ULONG ulParameterLen; } CK_MECHANISM;
typedef struct { CK_ULONG type; void *pValue; CK_ULONG ulValueLen; } CK_ATTRIBUTE;
typedef struct { CK_ULONG hashAlg; CK_ULONG mgf; CK_ULONG sLen; } CK_RSA_PKCS_PSS_PARAMS;
typedef struct { void *create, *destroy, *lock, *unlock; CK_ULONG flags; void *reserved; } CK_C_INITIALIZE_ARGS;

/* CK_FUNCTION_LIST: the version, then the 68 entry points in the order the specification fixes. */
enum {
  F_Initialize, F_Finalize, F_GetInfo, F_GetFunctionList, F_GetSlotList, F_GetSlotInfo, F_GetTokenInfo,
  F_GetMechanismList, F_GetMechanismInfo, F_InitToken, F_InitPIN, F_SetPIN, F_OpenSession, F_CloseSession,
  F_CloseAllSessions, F_GetSessionInfo, F_GetOperationState, F_SetOperationState, F_Login, F_Logout,
  F_CreateObject, F_CopyObject, F_DestroyObject, F_GetObjectSize, F_GetAttributeValue, F_SetAttributeValue,
  F_FindObjectsInit, F_FindObjects, F_FindObjectsFinal, F_EncryptInit, F_Encrypt, F_EncryptUpdate,
  F_EncryptFinal, F_DecryptInit, F_Decrypt, F_DecryptUpdate, F_DecryptFinal, F_DigestInit, F_Digest,
  F_DigestUpdate, F_DigestKey, F_DigestFinal, F_SignInit, F_Sign, F_COUNT = 68
};
typedef struct { CK_VERSION version; void *fn[F_COUNT]; } CK_FUNCTION_LIST;

#define CKF_OS_LOCKING_OK 0x2UL
#define CKF_SERIAL_SESSION 0x4UL
#define CKF_RW_SESSION 0x2UL
#define CKU_USER 1UL
#define CKA_CLASS 0x0UL
#define CKA_LABEL 0x3UL
#define CKO_PRIVATE_KEY 3UL
#define CKM_SHA256 0x250UL
#define CKG_MGF1_SHA256 2UL
#define CKM_SHA256_RSA_PKCS 0x40UL
#define CKM_SHA256_RSA_PKCS_PSS 0x43UL
#define CKM_ECDSA 0x1041UL
#define CKM_EDDSA 0x1057UL
#define CKR_OK 0UL
#define CKR_CRYPTOKI_ALREADY_INITIALIZED 0x191UL
#define CKR_USER_ALREADY_LOGGED_IN 0x100UL

typedef CK_RV (*fn_initialize)(void *);
typedef CK_RV (*fn_get_slot_list)(unsigned char, CK_SLOT_ID *, CK_ULONG *);
typedef CK_RV (*fn_get_token_info)(CK_SLOT_ID, void *);
typedef CK_RV (*fn_open_session)(CK_SLOT_ID, CK_ULONG, void *, void *, CK_SESSION_HANDLE *);
typedef CK_RV (*fn_login)(CK_SESSION_HANDLE, CK_ULONG, const unsigned char *, CK_ULONG);
typedef CK_RV (*fn_find_init)(CK_SESSION_HANDLE, CK_ATTRIBUTE *, CK_ULONG);
typedef CK_RV (*fn_find)(CK_SESSION_HANDLE, CK_OBJECT_HANDLE *, CK_ULONG, CK_ULONG *);
typedef CK_RV (*fn_find_final)(CK_SESSION_HANDLE);
typedef CK_RV (*fn_sign_init)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
typedef CK_RV (*fn_sign)(CK_SESSION_HANDLE, const unsigned char *, CK_ULONG, unsigned char *, CK_ULONG *);

static CK_FUNCTION_LIST *p11;
static CK_SLOT_ID slot;
static CK_OBJECT_HANDLE key;
static CK_MECHANISM mechanism;
static CK_RSA_PKCS_PSS_PARAMS pss = {CKM_SHA256, CKG_MGF1_SHA256, 32};
static unsigned char input[128];
static CK_ULONG input_length;
static double deadline;
static volatile int failed;

static void die(const char *what, CK_RV rv) {
  fprintf(stderr, "p11bench: %s failed (CKR 0x%lx)\n", what, rv);
  exit(1);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static CK_SESSION_HANDLE open_session(void) {
  CK_SESSION_HANDLE session;
  CK_RV rv = ((fn_open_session)p11->fn[F_OpenSession])(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &session);
  if (rv != CKR_OK) die("C_OpenSession", rv);
  return session;
}

static void *worker(void *out) {
  CK_SESSION_HANDLE session = open_session();
  unsigned char signature[1024];
  unsigned long count = 0;
  while (now() < deadline) {
    for (int i = 0; i < 16; i++) {
      CK_ULONG length = sizeof signature;
      CK_RV rv = ((fn_sign_init)p11->fn[F_SignInit])(session, &mechanism, key);
      if (rv == CKR_OK) rv = ((fn_sign)p11->fn[F_Sign])(session, input, input_length, signature, &length);
      if (rv != CKR_OK) {
        failed = 1;
        fprintf(stderr, "p11bench: signing failed (CKR 0x%lx)\n", rv);
        return NULL;
      }
    }
    count += 16;
  }
  *(unsigned long *)out = count;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 7 || !getenv("P11BENCH_PIN")) {
    fprintf(stderr, "usage: P11BENCH_PIN=pin %s module token-label key-label rsa-pkcs|rsa-pss|ecdsa|eddsa threads seconds\n", argv[0]);
    return 2;
  }
  const char *pin = getenv("P11BENCH_PIN");
  int threads = atoi(argv[5]);
  double seconds = atof(argv[6]);
  if (threads < 1 || threads > 256 || seconds <= 0) return 2;

  void *module = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!module) { fprintf(stderr, "p11bench: %s\n", dlerror()); return 1; }
  CK_RV (*get_function_list)(CK_FUNCTION_LIST **) = (CK_RV(*)(CK_FUNCTION_LIST **))dlsym(module, "C_GetFunctionList");
  if (!get_function_list || get_function_list(&p11) != CKR_OK) { fprintf(stderr, "p11bench: no C_GetFunctionList\n"); return 1; }

  CK_C_INITIALIZE_ARGS init = {0};
  init.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = ((fn_initialize)p11->fn[F_Initialize])(&init);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) die("C_Initialize", rv);

  CK_SLOT_ID slots[64];
  CK_ULONG slot_count = 64;
  rv = ((fn_get_slot_list)p11->fn[F_GetSlotList])(1, slots, &slot_count);
  if (rv != CKR_OK) die("C_GetSlotList", rv);
  int found = 0;
  for (CK_ULONG i = 0; i < slot_count && !found; i++) {
    unsigned char info[1024];
    if (((fn_get_token_info)p11->fn[F_GetTokenInfo])(slots[i], info) != CKR_OK) continue;
    size_t n = strlen(argv[2]);
    if (n <= 32 && memcmp(info, argv[2], n) == 0 && (n == 32 || info[n] == ' ' || info[n] == 0)) { slot = slots[i]; found = 1; }
  }
  if (!found) { fprintf(stderr, "p11bench: no token labelled %s\n", argv[2]); return 1; }

  CK_SESSION_HANDLE session = open_session();
  rv = ((fn_login)p11->fn[F_Login])(session, CKU_USER, (const unsigned char *)pin, strlen(pin));
  if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) die("C_Login", rv);
  CK_ULONG class = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE template[] = {{CKA_CLASS, &class, sizeof class}, {CKA_LABEL, argv[3], strlen(argv[3])}};
  CK_ULONG key_count = 0;
  if (((fn_find_init)p11->fn[F_FindObjectsInit])(session, template, 2) != CKR_OK) die("C_FindObjectsInit", 1);
  ((fn_find)p11->fn[F_FindObjects])(session, &key, 1, &key_count);
  ((fn_find_final)p11->fn[F_FindObjectsFinal])(session);
  if (key_count != 1) { fprintf(stderr, "p11bench: no private key labelled %s\n", argv[3]); return 1; }

  memset(input, 0x5a, sizeof input);
  input_length = 75; /* the bench suite's payload length */
  if (strcmp(argv[4], "rsa-pkcs") == 0) mechanism.mechanism = CKM_SHA256_RSA_PKCS;
  else if (strcmp(argv[4], "rsa-pss") == 0) {
    mechanism.mechanism = CKM_SHA256_RSA_PKCS_PSS;
    mechanism.pParameter = &pss;
    mechanism.ulParameterLen = sizeof pss;
  } else if (strcmp(argv[4], "ecdsa") == 0) {
    mechanism.mechanism = CKM_ECDSA;
    input_length = 32; /* a SHA-256 digest: the service hashes before CKM_ECDSA */
  } else if (strcmp(argv[4], "eddsa") == 0) mechanism.mechanism = CKM_EDDSA;
  else { fprintf(stderr, "p11bench: unknown mechanism %s\n", argv[4]); return 2; }

  pthread_t ids[256];
  unsigned long counts[256] = {0};
  struct rusage before, after;
  getrusage(RUSAGE_SELF, &before);
  double started = now();
  deadline = started + seconds;
  for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, worker, &counts[i]);
  unsigned long total = 0;
  for (int i = 0; i < threads; i++) { pthread_join(ids[i], NULL); total += counts[i]; }
  double elapsed = now() - started;
  getrusage(RUSAGE_SELF, &after);
  double cpu = (after.ru_utime.tv_sec - before.ru_utime.tv_sec) + (after.ru_utime.tv_usec - before.ru_utime.tv_usec) / 1e6 +
               (after.ru_stime.tv_sec - before.ru_stime.tv_sec) + (after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6;
  if (failed) return 1;
  printf("{\"mechanism\":\"%s\",\"threads\":%d,\"signatures\":%lu,\"seconds\":%.3f,\"perSecond\":%.0f,\"cpuSeconds\":%.3f}\n",
         argv[4], threads, total, elapsed, total / elapsed, cpu);
  return 0;
}
