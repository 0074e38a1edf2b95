/* SPDX-License-Identifier: MIT */
/*
 * Monitor internals shared by the monitor sources (and the unit tests and the
 * fuzz target): the command schema, dispatch, QMP and HMP sessions that
 * are independent of chardevs, and JSON helpers.
 */
#ifndef TESSERA_MONITOR_INTERNAL_H
#define TESSERA_MONITOR_INTERNAL_H

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/monitor.h"

/* ---- errors ------------------------------------------------------------ */

/* QMP error classes (the "class" member of an error reply). */
#define QMP_ERROR (qmp_error_quark())
GQuark qmp_error_quark(void);
typedef enum {
    QMP_ERROR_GENERIC,           /* "GenericError" */
    QMP_ERROR_COMMAND_NOT_FOUND, /* "CommandNotFound" */
    QMP_ERROR_DEVICE_NOT_FOUND,  /* "DeviceNotFound" */
    QMP_ERROR_DEVICE_NOT_ACTIVE, /* "DeviceNotActive" (no such block job) */
} QmpErrorCode;

/* The class name of @err; errors of other domains are "GenericError". */
const char *qmp_error_class(const GError *err);

/* ---- the schema (monitor/qmp-schema.c) --------------------------------- */

/*
 * Type names follow QEMU's schema language: the built-ins "str", "int",
 * "bool", "number", "any", a struct or enum name from the tables below,
 * or "[T]" for an array of T.
 */
typedef struct QmpMember {
    const char *name;
    const char *type;
    bool optional;
    const char *doc;
} QmpMember;

/* Member lists end with an entry whose name is NULL. */
typedef struct QmpStruct {
    const char *name;
    const char *doc;
    const QmpMember *members;
} QmpStruct;

typedef struct QmpEnum {
    const char *name;
    const char *doc;
    const char *const *values;   /* NULL-terminated */
} QmpEnum;

/* A handler returns the "return" value (a new node), or NULL with @errp
 * set.  Commands returning nothing return qmp_empty_return(). */
typedef JsonNode *(*QmpHandler)(JsonObject *args, GError **errp);

typedef struct QmpCommand {
    const char *name;
    const char *doc;
    const QmpMember *args;       /* NULL: takes no arguments */
    /* Arguments not in @args are passed on instead of refused (device
     * properties for device_add, object properties for object-add). */
    bool allow_extra;
    const char *returns;         /* NULL: returns {} */
    QmpHandler handler;
    /* A request for the docs (the schema test checks it); NULL: the bare
     * {"execute": NAME}. */
    const char *example;
} QmpCommand;

typedef struct QmpEvent {
    const char *name;
    const char *doc;
    const QmpMember *data;       /* NULL: no data member */
} QmpEvent;

/* The tables, each ending with an entry whose name is NULL. */
extern const QmpCommand qmp_commands[];
extern const QmpStruct qmp_structs[];
extern const QmpEnum qmp_enums[];
extern const QmpEvent qmp_events[];

const QmpCommand *qmp_find_command(const char *name);
/* The command whose handler is @fn (HMP uses it to check arguments). */
const QmpCommand *qmp_find_command_by_handler(QmpHandler fn);
const QmpStruct *qmp_find_struct(const char *name);
const QmpEnum *qmp_find_enum(const char *name);
const QmpEvent *qmp_find_event(const char *name);

/* ---- dispatch and introspection (monitor/qmp-dispatch.c) ---------------- */

/* Check @node against schema type @type; @where names it in errors
 * ("Parameter 'path' expects string").  Used for arguments and, by the
 * tests, for results. */
bool qmp_check_value(const char *type, JsonNode *node, const char *where, GError **errp);
/* Check a command's arguments (@args may be NULL: none given). */
bool qmp_check_args(const QmpCommand *cmd, JsonObject *args, GError **errp);
/* Check the arguments, then run the handler. */
JsonNode *qmp_call(const QmpCommand *cmd, JsonObject *args, GError **errp);

/* The query-qmp-schema result. */
JsonNode *qmp_schema_introspect(void);
/* docs/qmp.md, generated from the tables (free with g_free). */
char *qmp_schema_doc_markdown(void);

/* ---- JSON helpers (monitor/qmp-dispatch.c) ------------------------------ */

JsonNode *qmp_empty_return(void);
/* Serialize compactly on one line, as the wire protocol wants. */
char *qmp_json_to_string(JsonNode *node);
/* Members of @args (may be NULL), with defaults. */
const char *qmp_arg_str(JsonObject *args, const char *name, const char *def);
bool qmp_arg_bool(JsonObject *args, const char *name, bool def);
int64_t qmp_arg_int(JsonObject *args, const char *name, int64_t def);
bool qmp_arg_has(JsonObject *args, const char *name);
/* An unsigned number as JSON.  JSON-GLib's integers are signed: inside a
 * bignum scope values above INT64_MAX are kept exactly (and printed so);
 * outside one they become doubles. */
JsonNode *qmp_json_uint(uint64_t v);
/* One request's scope for integers above INT64_MAX (nests). */
void qmp_bignum_scope_begin(void);
void qmp_bignum_scope_end(void);
/* Make @n the integer @v (exact above INT64_MAX inside a scope). */
void qmp_json_mark_uint(JsonNode *n, uint64_t v);
/* @n is an integer above INT64_MAX; *v gets it. */
bool qmp_json_is_big_uint(JsonNode *n, uint64_t *v);
/* A JSON scalar as option text ("on"/"off", decimal, string as is, other
 * JSON as its text): for device_add and object-add properties. */
char *qmp_json_to_opt_text(JsonNode *node);

/* The first fd passed (SCM_RIGHTS) with the QMP input being handled, now
 * the caller's; -1 when none (monitor/qmp.c). */
int qmp_take_passed_fd(void);

/* ---- events (monitor/qmp.c) --------------------------------------------- */

/* Send an event to every QMP session past negotiation; takes @data
 * (may be NULL).  Thread-safe. */
void qmp_event_emit(const char *name, JsonObject *data);

/* ---- sessions, independent of chardevs ---------------------------------- */

typedef void (*MonitorWriteFn)(void *opaque, const char *data, size_t len);

/* QMP (monitor/qmp.c): input is framed into JSON messages, each answered
 * through @write.  qmp_session_open() (re)starts the protocol with the
 * greeting; qmp_session_close() forgets the client. */
typedef struct QmpSession QmpSession;
QmpSession *qmp_session_new(MonitorWriteFn write, void *opaque);
void qmp_session_free(QmpSession *s);
void qmp_session_open(QmpSession *s);
void qmp_session_close(QmpSession *s);
void qmp_session_input(QmpSession *s, const uint8_t *buf, size_t len);
/* Largest message accepted; longer ones get an error and are skipped. */
#define QMP_MAX_MESSAGE (1024 * 1024)
/* Deepest nesting accepted (the JSON parser recurses). */
#define QMP_MAX_NESTING 1024

/* HMP (monitor/hmp.c). */
typedef struct HmpSession HmpSession;
HmpSession *hmp_session_new(MonitorWriteFn write, void *opaque);
void hmp_session_free(HmpSession *s);
/* Banner and prompt (a client connected or the mux gave us focus). */
void hmp_session_open(HmpSession *s, bool banner);
void hmp_session_input(HmpSession *s, const uint8_t *buf, size_t len);
/* Run one command line; its output (with "\r\n" line ends, as QEMU's
 * human-monitor-command returns it) is appended to @out. */
void hmp_run_line(const char *line, GString *out);

/* ---- HMP commands (monitor/hmp-cmds.c) ----------------------------------- */

/*
 * HMP parameter specs, space separated "name:kind" items:
 *   s  one word          S  the rest of the line
 *   O  the rest as "key=val,..." options (implied first key: the name),
 *      flattened into the arguments
 *   i  an integer expression ("0x80000000", "4096+16")
 *   /  an optional "/fmt" (x, xp)
 * A trailing '?' makes an item optional.
 */
typedef struct HmpCommand {
    const char *name;
    const char *alias;           /* "c" for cont, or NULL */
    const char *spec;            /* NULL: no parameters */
    const char *params;          /* usage shown by help */
    const char *help;
    /* The QMP twin that does the work (state-changing commands), or NULL. */
    QmpHandler qmp;
    /* Print the twin's result for humans; NULL: print nothing. */
    void (*print)(GString *out, JsonNode *ret);
    /* HMP-only commands. */
    void (*run)(GString *out, JsonObject *args);
} HmpCommand;

typedef struct HmpInfoCommand {
    const char *name;
    const char *params;
    const char *help;
    void (*run)(GString *out, const char *arg);
} HmpInfoCommand;

/* HMP gdbserver and the gdbstub's monitor hook (monitor/hmp-gdb.c). */
void hmp_gdbserver(GString *out, JsonObject *args);
void hmp_gdb_init(void);

extern const HmpCommand hmp_commands[];
extern const HmpInfoCommand hmp_info_commands[];
const HmpCommand *hmp_find_command(const char *name);
/* Parse @rest by @spec into arguments; false with a message. */
bool hmp_parse_args(const HmpCommand *cmd, const char *rest, JsonObject *args, GError **errp);
/* Execute a parsed command (the QMP twin, or run). */
void hmp_execute(const HmpCommand *cmd, JsonObject *args, GString *out);

/* ---- line editing (monitor/readline.c) --------------------------------- */

#define READLINE_MAX_LINE 1024
#define READLINE_MAX_HISTORY 64

typedef struct ReadLine {
    char buf[READLINE_MAX_LINE];
    int len, pos;
    int esc_state;               /* 0, ESC seen, CSI/SS3 collecting */
    int esc_param;
    bool last_cr;                /* swallow the LF of a CR LF */
    char *history[READLINE_MAX_HISTORY];
    int hist_len;
    int hist_pos;                /* hist_len: the line being edited */
    char *saved;                 /* the edited line while browsing history */
    const char *prompt;
    MonitorWriteFn write;
    void *opaque;
    /* Called with each completed line. */
    void (*on_line)(void *opaque, const char *line);
} ReadLine;

void readline_init(ReadLine *rl, const char *prompt, MonitorWriteFn write,
                   void (*on_line)(void *opaque, const char *line), void *opaque);
void readline_destroy(ReadLine *rl);
void readline_feed(ReadLine *rl, uint8_t ch);
void readline_show_prompt(ReadLine *rl);
/* Forget a half-typed line (a new client). */
void readline_reset_line(ReadLine *rl);

/* ---- mux (monitor/mux.c) ------------------------------------------------ */

/* Attach a monitor to a mux as an extra frontend. */
bool mux_add_frontend(Chardev *mux, const ChardevHandlers *fe, void *opaque, GError **errp);
/* A monitor on a mux learns of its focus through CHR_EVENT_MUX_IN/OUT. */
/* Frontends attached to @chr (a mux counts its monitors too). */
int mux_frontend_count(Chardev *chr);

#endif
