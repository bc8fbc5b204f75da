/* lantern.h: the stable C ABI of the Lantern SDK (C99; usable from C++, Kotlin/JNI, Swift).
 *
 * Offline help search, guided issue forms, field validation, the secret guard, tickets, a durable
 * outbox and the relay client: the same core as the web widget, behind one prefix.
 *
 * Index
 * [SECTION] Conventions
 * [SECTION] Export macro, versions
 * [SECTION] Status codes
 * [SECTION] Memory, last error, logging
 * [SECTION] Bundles: open, search, articles
 * [SECTION] Forms: categories, schemas, checking, triage, tickets
 * [SECTION] Validators and the secret guard (no handle)
 * [SECTION] Storage seam and the outbox
 * [SECTION] Transport seam and the relay client
 *
 * [SECTION] Conventions
 * - Handles are opaque. Every lantern_X_create / lantern_X_open has a lantern_X_destroy, which
 *   accepts NULL.
 * - Strings are UTF-8 and NUL-terminated. Structured data goes in and out as JSON text.
 * - Every `char**` out-parameter receives a string the library allocated: release it with
 *   lantern_free(). On failure the out-parameter is set to NULL, except where a function says it
 *   also returns JSON on a given status (LANTERN_STATUS_INVALID_FIELDS, LANTERN_STATUS_HTTP...).
 * - Every function returns a lantern_status. The message of the last failure is kept on the handle
 *   for the calling thread (lantern_bundle_last_error...), or, for functions without a handle, per
 *   thread (lantern_last_error).
 * - Threading is stated per function. "Thread-safe" means any number of threads may call it at
 *   once on the same handle. No function may race with the destroy of its handle.
 * - No C++ exception crosses this boundary; running out of memory gives
 *   LANTERN_STATUS_OUT_OF_MEMORY.
 * - The JSON shapes are described beside each function and in docs/SDK.md.
 */
#ifndef LANTERN_LANTERN_H
#define LANTERN_LANTERN_H

#include <stddef.h>
#include <stdint.h>

/* [SECTION] Export macro, versions */
#if defined(_WIN32) && defined(LANTERN_SHARED_BUILD)
#define LANTERN_API __declspec(dllexport)
#elif defined(_WIN32) && defined(LANTERN_SHARED)
#define LANTERN_API __declspec(dllimport)
#elif defined(__GNUC__) || defined(__clang__)
#define LANTERN_API __attribute__((visibility("default")))
#else
#define LANTERN_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define LANTERN_VERSION_MAJOR 0
#define LANTERN_VERSION_MINOR 1
#define LANTERN_VERSION_PATCH 0
/* MAJOR*10000 + MINOR*100 + PATCH: compare with lantern_version_number() at run time. */
#define LANTERN_VERSION_NUMBER (LANTERN_VERSION_MAJOR * 10000 + LANTERN_VERSION_MINOR * 100 + LANTERN_VERSION_PATCH)
#define LANTERN_VERSION_STRING "0.1.0"

/* The library's version as "MAJOR.MINOR.PATCH" (static storage). Thread-safe. */
LANTERN_API const char* lantern_version(void);
/* LANTERN_VERSION_NUMBER of the library actually loaded. Thread-safe. */
LANTERN_API unsigned lantern_version_number(void);

/* [SECTION] Status codes
 * Numbers are stable: a code is never renumbered or reused for another meaning. New codes are
 * added at the end. */
typedef enum lantern_status {
  LANTERN_STATUS_OK = 0,
  LANTERN_STATUS_INVALID_ARGUMENT = 1, /* NULL where a value is required, a bad option */
  LANTERN_STATUS_BAD_JSON = 2,         /* a JSON argument is not valid JSON */
  LANTERN_STATUS_NOT_FOUND = 3,        /* no article, form, outbox entry or ticket with that id */
  LANTERN_STATUS_IO = 4,               /* a file or the storage seam failed */
  LANTERN_STATUS_TRUNCATED = 5,        /* bundle: fewer bytes than its header says */
  LANTERN_STATUS_BAD_FORMAT = 6,       /* bundle: not a bundle, wrong version, bad offsets */
  LANTERN_STATUS_TAMPERED = 7,         /* bundle: content hash or signature does not match */
  LANTERN_STATUS_WRONG_KEY = 8,        /* bundle: signed by another key than the one given */
  LANTERN_STATUS_UNSIGNED = 9,         /* bundle: a key was given but the bundle is not signed */
  LANTERN_STATUS_CRYPTO = 10,          /* a key or the random generator could not be used */
  LANTERN_STATUS_TOO_LARGE = 11,       /* input or answer over a documented limit */
  LANTERN_STATUS_UNKNOWN_LANGUAGE = 12,/* search: no article in that language */
  LANTERN_STATUS_INVALID_FIELDS = 13,  /* form/ticket has blocking field errors: JSON says which */
  LANTERN_STATUS_SECRET = 14,          /* a message holds a recovery phrase, key, code or password */
  LANTERN_STATUS_NETWORK = 15,         /* no answer: resolve, connect, reset */
  LANTERN_STATUS_TIMEOUT = 16,         /* no complete answer within the timeout */
  LANTERN_STATUS_TLS = 17,             /* handshake failed, certificate untrusted or wrong host */
  LANTERN_STATUS_PIN_MISMATCH = 18,    /* certificate trusted, but its key matches no pin */
  LANTERN_STATUS_HTTP = 19,            /* the relay answered with an error status: JSON has it */
  LANTERN_STATUS_UNAUTHORIZED = 20,    /* relay 401: wrong access token */
  LANTERN_STATUS_CONFLICT = 21,        /* relay 409: idempotency key reused for another ticket */
  LANTERN_STATUS_RATE_LIMITED = 22,    /* relay 429: retry after the JSON's retry_after_ms */
  LANTERN_STATUS_UNAVAILABLE = 23,     /* relay 5xx: retry later */
  LANTERN_STATUS_OUT_OF_MEMORY = 24,
  LANTERN_STATUS_INTERNAL = 25,        /* a bug: please report it with the message */
  /* Not a status: keeps the type 32 bits wide and every int a valid value (as Vulkan does), so
   * a number from a newer library or a binding is safe to pass to lantern_status_name(). */
  LANTERN_STATUS_FORCE_32BIT = 0x7fffffff
} lantern_status;

/* "ok", "invalid_argument", ... (static storage; "unknown" for other numbers). Thread-safe. */
LANTERN_API const char* lantern_status_name(lantern_status status);

/* [SECTION] Memory, last error, logging */

/* Releases a string returned through a char** out-parameter. NULL is fine. Thread-safe. */
LANTERN_API void lantern_free(void* p);

/* Message of the calling thread's last failed call to a function without a handle (open/create,
 * validators, secret guard); "" if none. Valid until that thread's next such call. Thread-safe. */
LANTERN_API const char* lantern_last_error(void);

typedef enum lantern_log_level {
  LANTERN_LOG_DEBUG = 0,
  LANTERN_LOG_INFO = 1,
  LANTERN_LOG_WARN = 2,
  LANTERN_LOG_ERROR = 3,
  LANTERN_LOG_FORCE_32BIT = 0x7fffffff /* not a level: see LANTERN_STATUS_FORCE_32BIT */
} lantern_log_level;
/* message: UTF-8, valid during the call only; never holds ticket contents, tokens or keys. May be
 * called from any thread that calls into the library. */
typedef void (*lantern_log_fn)(void* user, lantern_log_level level, const char* message);
/* Installs (or with fn NULL removes) the process-wide logger; messages below min_level are
 * dropped. Thread-safe; a call in flight on another thread may still use the previous logger. */
LANTERN_API void lantern_set_logger(lantern_log_fn fn, void* user, lantern_log_level min_level);

/* [SECTION] Bundles: open, search, articles
 * A bundle is the signed knowledge base (articles, search index, form schemas). Functions on an
 * open bundle are thread-safe. */
typedef struct lantern_bundle lantern_bundle;

/* Opens a bundle from memory (copied: the caller may free `data` on return). With
 * public_key_pem (a PEM "PUBLIC KEY"), the ECDSA signature is verified; with NULL, only the
 * content hash. Errors: INVALID_ARGUMENT, TRUNCATED, BAD_FORMAT, TAMPERED, WRONG_KEY, UNSIGNED,
 * CRYPTO (unreadable key). Message in lantern_last_error(). Thread-safe. */
LANTERN_API lantern_status lantern_bundle_open_memory(const void* data, size_t size, const char* public_key_pem,
                                                      lantern_bundle** out);
/* Same, reading the file at `path` (UTF-8). Also IO. Thread-safe. */
LANTERN_API lantern_status lantern_bundle_open_file(const char* path, const char* public_key_pem, lantern_bundle** out);
/* NULL is fine. Not concurrently with other calls on this bundle. */
LANTERN_API void lantern_bundle_destroy(lantern_bundle* bundle);
/* The calling thread's last failure on this bundle ("" if none); valid until that thread's next
 * call on it. NULL bundle: "". Thread-safe. */
LANTERN_API const char* lantern_bundle_last_error(const lantern_bundle* bundle);

/* The bundle's metadata: {"build","languages",...} as the bundle stores it. */
LANTERN_API lantern_status lantern_bundle_info(lantern_bundle* bundle, char** out_json);
/* options_json (NULL: defaults): {"lang":"zh-CN","top":10,"snippets":true}.
 * out: {"hits":[{"id","lang","title","category","score","fallback","snippet"}],"took_us":12.3}.
 * Snippets are HTML-safe with <mark> around matches. An empty query gives no hits.
 * Errors: INVALID_ARGUMENT (top outside 1..100), TOO_LARGE (query over 4 KiB),
 * UNKNOWN_LANGUAGE, BAD_JSON. */
LANTERN_API lantern_status lantern_bundle_search(lantern_bundle* bundle, const char* query, const char* options_json,
                                                 char** out_json);
/* out: {"id","lang","title","category","translation_of","tags":[],"blocks":[{"type","level",
 * "spans":[{"type","text","href"}]}]}. Errors: NOT_FOUND. */
LANTERN_API lantern_status lantern_bundle_article(lantern_bundle* bundle, const char* article_id, char** out_json);

/* [SECTION] Forms: categories, schemas, checking, triage, tickets
 * All thread-safe. A bundle built without form schemas answers NOT_FOUND. */

/* The issue categories (one per form) in `lang` (NULL: English):
 * {"categories":[{"id","version","title","intro","article_categories":[]}]}. */
LANTERN_API lantern_status lantern_bundle_categories(lantern_bundle* bundle, const char* lang, char** out_json);
/* One form's schema, as in kb-bundle/forms/<id>.json: fields, types, conditions, labels. */
LANTERN_API lantern_status lantern_bundle_form_schema(lantern_bundle* bundle, const char* form_id, char** out_json);
/* Checks values as typed. values_json: {"coin":"USDT","time":{"text":"…","approximate":true},
 * "screenshots":["A-…"]}; context_json (NULL: now from the system clock, UTC):
 * {"now":ms,"utcOffsetMinutes":480,"openTickets":[{"id","txid"}]}.
 * out: {"errors":[{"field","code","message":{"en","zh-CN"},"blocking"}],"visible":[ids],
 * "canonical":{…}}. A form with errors is still LANTERN_STATUS_OK here: inspect "errors".
 * Errors: NOT_FOUND (form), BAD_JSON, INVALID_ARGUMENT (wrong JSON shape). */
LANTERN_API lantern_status lantern_bundle_check_form(lantern_bundle* bundle, const char* form_id, const char* values_json,
                                                     const char* context_json, char** out_json);
/* The likely categories and articles for the user's own words, offline:
 * {"categories":[{"id","score"}],"articles":[hits]}. max_articles 0: 3. */
LANTERN_API lantern_status lantern_bundle_triage(lantern_bundle* bundle, const char* description, const char* lang,
                                                 unsigned max_articles, char** out_json);
/* Builds the ticket (docs/TICKET.md) from the values as typed and checks it exactly as the relay
 * will. input_json: {"idempotency_key":"32 hex" (lantern_outbox_new_key), "category":form id,
 * "language","values":{…},"attachments":[{"id","sha256","type","size"}],
 * "client":{"name","version","bundle"},"user":{"id","hash"},"context":{…},"created_ms"}.
 * OK: out {"ticket":"<ticket JSON text>","warnings":[…]}.
 * INVALID_FIELDS: out {"errors":[…]} (also set on this status; release it).
 * Errors: NOT_FOUND (category), BAD_JSON, INVALID_ARGUMENT. */
LANTERN_API lantern_status lantern_bundle_build_ticket(lantern_bundle* bundle, const char* input_json, char** out_json);

/* [SECTION] Validators and the secret guard (no handle; pure and thread-safe) */

/* One value: request {"type":"txid","chain":"tron","text":"…"}; types chain, coin, txid
 * (+open_tickets [{"id","txid"}]), address, memo, amount (+coin or decimals), time (+now_ms,
 * utc_offset_minutes, allow_approximate, approximate).
 * out: {"ok":true,"value":"canonical"} or {"ok":false,"error":{"field","code","message":{"en",
 * "zh-CN"},"blocking"}}: a refused value is still LANTERN_STATUS_OK.
 * Errors: BAD_JSON, INVALID_ARGUMENT (unknown type or chain, missing text). */
LANTERN_API lantern_status lantern_validate_field(const char* request_json, char** out_json);
/* Recovery phrases, private keys, one-time codes and passwords in a text. kind: "free_text"
 * (or NULL), "txid", "address", "memo". out: {"findings":[{"kind","blocking","begin","end",
 * "message":{"en","zh-CN"}}]} (byte offsets). Errors: INVALID_ARGUMENT. */
LANTERN_API lantern_status lantern_scan_secrets(const char* text, const char* kind, char** out_json);

/* [SECTION] Storage seam and the outbox
 * The outbox keeps a ticket durably until the relay has acknowledged it, retrying with back-off
 * and always the same idempotency key, so a ticket is never lost nor sent twice. */

/* A value being handed back to the library from a storage callback. */
typedef struct lantern_sink lantern_sink;
/* Appends one item (a stored value, or one key) to the sink. Returns 0, or -1 out of memory. */
LANTERN_API int lantern_sink_push(lantern_sink* sink, const void* data, size_t size);

/* A durable key-value store the app provides (SharedPreferences/Room, Keychain/files...). Keys
 * are short ASCII-ish strings ("outbox/<key>", "draft/<form>"). Each callback returns 0 on success
 * and -1 on failure; `get` returns 1 when the key is missing. The callbacks may be called from
 * whichever thread uses the outbox, one call at a time per outbox. */
typedef struct lantern_storage {
  void* user;
  /* Found: lantern_sink_push(sink, value, size) once, return 0. Missing: return 1. */
  int (*get)(void* user, const char* key, lantern_sink* sink);
  /* Returns only when the value is durable (fsync or the platform's equivalent). */
  int (*put)(void* user, const char* key, const void* value, size_t size);
  /* Removing a missing key is fine. */
  int (*remove)(void* user, const char* key);
  /* lantern_sink_push once per key starting with prefix (any order). */
  int (*keys)(void* user, const char* prefix, lantern_sink* sink);
} lantern_storage;

typedef struct lantern_outbox lantern_outbox;
/* Over the app's storage (copied struct; `user` must outlive the outbox), or, with storage NULL,
 * in memory (lost on exit: tests). Clock and randomness are the system's. Thread-safe. */
LANTERN_API lantern_status lantern_outbox_create(const lantern_storage* storage, lantern_outbox** out);
/* Over files in `dir` (created if missing), one per entry, written with fsync + rename. */
LANTERN_API lantern_status lantern_outbox_create_file(const char* dir, lantern_outbox** out);
LANTERN_API void lantern_outbox_destroy(lantern_outbox* outbox);
LANTERN_API const char* lantern_outbox_last_error(const lantern_outbox* outbox);
/* The functions below are thread-safe (the outbox serialises them). */

/* A fresh idempotency key: 32 hex digits from a cryptographic source. */
LANTERN_API lantern_status lantern_outbox_new_key(lantern_outbox* outbox, char** out_key);
/* Stores a ticket (from lantern_bundle_build_ticket) under its own "idempotency_key"; durable on
 * return. Errors: BAD_JSON, INVALID_ARGUMENT (no or malformed key), IO. */
LANTERN_API lantern_status lantern_outbox_enqueue(lantern_outbox* outbox, const char* ticket_json);
/* {"entries":[{"key","body","state":"pending"|"rejected","attempts","created_ms",
 * "next_attempt_ms","last_error"}]}, oldest first. */
LANTERN_API lantern_status lantern_outbox_entries(lantern_outbox* outbox, char** out_json);
/* The pending entries whose time has come, each marked in flight until reported (same shape).
 * Use this with your own transport; lantern_client_flush does it all. */
LANTERN_API lantern_status lantern_outbox_take_due(lantern_outbox* outbox, char** out_json);
/* The outcome of one attempt: http_status (0: no answer), the answer body (NULL: ""), an error
 * text (NULL: ""), retry_after_ms from Retry-After (0: none). 2xx removes the entry and keeps the
 * answer as its receipt; 408, 425, 429, 5xx and 0 back off; other 4xx mark it rejected.
 * Errors: NOT_FOUND. */
LANTERN_API lantern_status lantern_outbox_report(lantern_outbox* outbox, const char* key, int http_status,
                                                 const char* answer, const char* error, int64_t retry_after_ms);
/* The user drops an entry. Errors: NOT_FOUND. */
LANTERN_API lantern_status lantern_outbox_discard(lantern_outbox* outbox, const char* key);
/* When something is next due (Unix ms) in *out_ms, or -1 when nothing is pending. */
LANTERN_API lantern_status lantern_outbox_next_due(lantern_outbox* outbox, int64_t* out_ms);
/* The relay's answer for an acknowledged ticket ({"id","access_token",...}). Errors: NOT_FOUND. */
LANTERN_API lantern_status lantern_outbox_receipt(lantern_outbox* outbox, const char* key, char** out_json);
/* Drafts: the form as typed (any JSON text), saved on every change. load: NOT_FOUND if none. */
LANTERN_API lantern_status lantern_draft_save(lantern_outbox* outbox, const char* form_id, const char* json);
LANTERN_API lantern_status lantern_draft_load(lantern_outbox* outbox, const char* form_id, char** out_json);
LANTERN_API lantern_status lantern_draft_clear(lantern_outbox* outbox, const char* form_id);

/* [SECTION] Transport seam and the relay client */

/* One HTTP request handed to an app transport. All pointers valid during the call only. */
typedef struct lantern_http_request {
  const char* method;          /* "GET", "POST" */
  const char* url;             /* absolute https:// URL */
  const char* const* header_names;
  const char* const* header_values;
  size_t header_count;         /* Content-Type, Idempotency-Key, Authorization... */
  const void* body;
  size_t body_size;
  int timeout_ms;              /* for the whole exchange */
  size_t max_response_bytes;   /* larger answers: report LANTERN_STATUS_TOO_LARGE */
} lantern_http_request;

/* Where a transport writes the answer. */
typedef struct lantern_http_response lantern_http_response;
LANTERN_API void lantern_http_response_set_status(lantern_http_response* response, int http_status);
/* Returns 0, or -1 out of memory. */
LANTERN_API int lantern_http_response_add_header(lantern_http_response* response, const char* name, const char* value);
LANTERN_API int lantern_http_response_append_body(lantern_http_response* response, const void* data, size_t size);
/* Why there is no answer (with the status the callback returns). */
LANTERN_API void lantern_http_response_set_error(lantern_http_response* response, const char* message);

/* The app's HTTP stack (OkHttp, URLSession: the OS trust store, proxies, pinning policy). Return
 * LANTERN_STATUS_OK when an HTTP answer arrived (any HTTP status), else NETWORK, TIMEOUT, TLS,
 * PIN_MISMATCH or TOO_LARGE. Called from the thread that called the client function; several
 * threads may call it at once. */
typedef struct lantern_transport {
  void* user;
  lantern_status (*send)(void* user, const lantern_http_request* request, lantern_http_response* response);
} lantern_transport;

typedef struct lantern_client lantern_client;
/* config_json: {"base_url":"https://relay.example.com", "timeout_ms":15000,
 * "max_response_bytes":1048576, "user_agent":"…",
 * built-in transport only: "pins":["sha256/<base64 SPKI digest>",…], "ca_file":"…", "ca_pem":"…"}.
 * transport NULL: the built-in HTTP/1.1 client (mbedTLS; TLS 1.2+, hostname verification, system
 * CAs unless ca_file/ca_pem; http:// only to loopback). The transport struct is copied.
 * Errors: BAD_JSON, INVALID_ARGUMENT (no base_url, bad pin), IO (CA file). Thread-safe. */
LANTERN_API lantern_status lantern_client_create(const char* config_json, const lantern_transport* transport,
                                                 lantern_client** out);
LANTERN_API void lantern_client_destroy(lantern_client* client);
LANTERN_API const char* lantern_client_last_error(const lantern_client* client);
/* The functions below are thread-safe and block for at most the timeout (per request).
 * Relay answers other than success give: INVALID_FIELDS (422), UNAUTHORIZED (401), NOT_FOUND
 * (404), CONFLICT (409), RATE_LIMITED (429), TOO_LARGE (413), UNAVAILABLE (5xx), HTTP (other),
 * with out_json set to {"http_status":N,"retry_after_ms":N,"error":{"code","message","fields"}}.
 * No answer gives NETWORK, TIMEOUT, TLS or PIN_MISMATCH with out_json NULL. */

/* POST /v1/tickets with the ticket's own Idempotency-Key (safe to repeat).
 * OK: {"id":"T-…","access_token":"…","status":"open","verified":false}. */
LANTERN_API lantern_status lantern_client_submit(lantern_client* client, const char* ticket_json, char** out_json);
/* Sends every due outbox entry and reports each outcome to the outbox.
 * OK (even if some failed): {"sent":[{"key","id","access_token"}],"retry":[{"key","error"}],
 * "rejected":[{"key","error"}]}. */
LANTERN_API lantern_status lantern_client_flush(lantern_client* client, lantern_outbox* outbox, char** out_json);
/* GET /v1/tickets/{id} with the access token: {"id","status","verified","created_at",
 * "updated_at","ticket":{…},"messages":[{"id","author","body","created_at"}]}. */
LANTERN_API lantern_status lantern_client_ticket(lantern_client* client, const char* ticket_id, const char* access_token,
                                                 char** out_json);
/* POST /v1/tickets/{id}/messages. The text is checked by the secret guard first (SECRET, nothing
 * sent). OK: {"id","created_at"}. */
LANTERN_API lantern_status lantern_client_add_message(lantern_client* client, const char* ticket_id,
                                                      const char* access_token, const char* text, char** out_json);
/* POST /v1/attachments with raw image bytes (content_type image/png, image/jpeg, image/webp).
 * OK: {"id":"A-…","sha256","type","size","width","height"}: put it in the ticket's attachments. */
LANTERN_API lantern_status lantern_client_upload_attachment(lantern_client* client, const void* data, size_t size,
                                                            const char* content_type, char** out_json);

#ifdef __cplusplus
}
#endif
#endif /* LANTERN_LANTERN_H */
