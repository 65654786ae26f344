/*
 * polyscore/common.h: export macros, status codes, version queries and the error
 * object. Included by polyscore/polyscore.h; see that header for the overview.
 */
#ifndef POLYSCORE_COMMON_H
#define POLYSCORE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define PS_BEGIN_DECL extern "C" {
#define PS_END_DECL }
#else
#define PS_BEGIN_DECL
#define PS_END_DECL
#endif

#if defined(_WIN32)
#  if defined(POLYSCORE_BUILDING_LIBRARY)
#    define PS_API __declspec(dllexport)
#  else
#    define PS_API __declspec(dllimport)
#  endif
#else
#  define PS_API __attribute__((visibility("default")))
#endif

PS_BEGIN_DECL

/*
 * The ABI version of the header you compile against. A library whose
 * ps_abi_version() is lower than this may lack functions or struct fields you use:
 * call ps_abi_check(PS_ABI_VERSION, err) once at start-up.
 * The ABI version only grows within SONAME libpolyscore.so.1; every 1.x library
 * keeps every function and struct field of every lower ABI version.
 */
#define PS_ABI_VERSION 6

/* Status of every call. 0 is success; every other value names one kind of failure,
 * and the ps_error passed to the call (if any) says what exactly went wrong. */
typedef int32_t ps_status;
enum {
  PS_OK = 0,
  PS_ERR_INVALID_ARGUMENT = 1, /* a NULL pointer, an unknown enum value, a bad option */
  PS_ERR_INVALID_HANDLE = 2,   /* a model handle that was freed or never came from us */
  PS_ERR_IO = 3,               /* the model file cannot be opened or read */
  PS_ERR_PARSE = 4,            /* the model bytes are corrupt, truncated or of the wrong shape */
  PS_ERR_UNSUPPORTED = 5,      /* a valid model using something polyscore cannot score */
  PS_ERR_SHAPE = 6,            /* input of the wrong size (feature count, CSR arrays) */
  PS_ERR_BUFFER_TOO_SMALL = 7, /* an output buffer is smaller than needed; nothing was written */
  PS_ERR_OUT_OF_MEMORY = 8,    /* an allocation failed */
  PS_ERR_ABI_VERSION = 9,      /* the library is older than the caller needs */
  PS_ERR_INTERNAL = 10         /* a bug in polyscore; the message says where */
};

/* Returns the ABI version of the loaded library (PS_ABI_VERSION of its build). */
PS_API uint32_t ps_abi_version(void);

/* Returns the release of the loaded library, e.g. "1.0.0". Static storage; never NULL. */
PS_API const char *ps_version_string(void);

/* Returns a short constant name for a status ("PS_ERR_PARSE"), or "PS_ERR_UNKNOWN". */
PS_API const char *ps_status_name(ps_status status);

/*
 * The error object. Create one per thread (or per goroutine, per call site) and pass
 * it to calls; each failing call overwrites it with the status, a message that names
 * the problem, and where known the byte offset in the model file. A successful call
 * leaves it unchanged. Every function accepts NULL for the error object when you only
 * need the status.
 */
typedef struct ps_error ps_error;

/* Creates an empty error object (code PS_OK, message "").
 * Errors: PS_ERR_INVALID_ARGUMENT if out is NULL; PS_ERR_OUT_OF_MEMORY. */
PS_API ps_status ps_error_create(ps_error **out);

/* Frees an error object. NULL is a no-op. */
PS_API void ps_error_free(ps_error *err);

/* The status of the last failure recorded in err, PS_OK if none (or err is NULL). */
PS_API ps_status ps_error_code(const ps_error *err);

/* The message of the last failure, "" if none. The string lives until err is freed
 * or the next call that fails with err. Never NULL. */
PS_API const char *ps_error_message(const ps_error *err);

/* Byte offset in the model file where loading failed, or -1 when not known. */
PS_API int64_t ps_error_offset(const ps_error *err);

/* Resets err to PS_OK and "". NULL is a no-op. */
PS_API void ps_error_clear(ps_error *err);

/*
 * Version negotiation: returns PS_OK when the loaded library offers at least ABI
 * version `required` (pass PS_ABI_VERSION). Otherwise PS_ERR_ABI_VERSION with a
 * message naming both versions.
 */
PS_API ps_status ps_abi_check(uint32_t required, ps_error *err);

PS_END_DECL

#endif /* POLYSCORE_COMMON_H */
