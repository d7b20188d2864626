/* SPDX-License-Identifier: MIT */
/* How ipcreapctl shows the daemon's replies to people: the list and history tables, status
 * and explain. Functions of a reply alone (no socket, no pager), so tests feed them JSON. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "table.h"

/* The name of the daemon's own IPC namespace, and of every object an older daemon (one
 * without the "namespace" field) reports. */
#define NAMESPACE_HOST "host"

/* The columns of 'list' (-o, --sort), in the order of list_column_info. */
typedef enum ListColumn {
        COL_KIND,
        COL_ID,
        COL_KEY,
        COL_NAME,
        COL_OWNER,
        COL_UID,
        COL_GROUP,
        COL_GID,
        COL_PERMS,
        COL_SIZE,
        COL_NATTCH,
        COL_NSEMS,
        COL_MSGS,
        COL_IDLE,
        COL_STATE,
        COL_RULE,
        COL_CREATOR,
        COL_CPID,
        COL_UNIT,
        COL_FIRST_SEEN,
        COL_PENDING,
        COL_NAMESPACE,
        _COL_MAX,
} ListColumn;

typedef struct ListColumnInfo {
        const char *header; /* a leading '>' marks the right-aligned ones, which sort as numbers */
        const char *help;
} ListColumnInfo;

extern const ListColumnInfo list_column_info[_COL_MAX];

/* NAMESPACE is not among them: namespace_columns() adds it when a row is in a container. */
#define LIST_DEFAULT_COLUMNS "KIND,ID,KEY,OWNER,SIZE,IDLE,STATE,RULE,CREATOR,PENDING"

/* A field of a reply: the integer (0 if absent), the string ("-" if absent). */
json_int_t reply_int(json_t *o, const char *key);
const char *reply_str(json_t *o, const char *key);
/* The "namespace" of an object or event; "host" when it has none (an older daemon). */
const char *reply_namespace(json_t *o);

/* The empty table of every list column. */
Table *list_table_new(void);
/* Adds a row for one object of a List reply. */
int list_table_add_object(Table *t, json_t *o);

/* The columns to print: base (n_base of them; base NULL: every column but ns_column),
 * followed by ns_column when some row's cell there is not "host" and base does not have it
 * already. A host without containers keeps its table as it was; one where a container's
 * object is listed shows where each object lives. A new array in *ret. */
int namespace_columns(const Table *t, size_t ns_column, const size_t *base, size_t n_base,
                      size_t **ret, size_t *ret_n);

/* The history table (its namespace column is HISTORY_COL_NAMESPACE, its quarantine column
 * HISTORY_COL_QUARANTINE: "-", the entry a removal's contents went to, or "restored from"
 * it), a row per event. */
#define HISTORY_COL_QUARANTINE 9
#define HISTORY_COL_NAMESPACE  10
Table *history_table_new(json_t *events);
/* Whether some row of t has something other than "-" in column c. */
bool table_column_used(const Table *t, size_t c);

/* The quarantine table of ListQuarantine entries (its namespace column is
 * QUARANTINE_COL_NAMESPACE), a row per entry. now: Unix seconds. */
#define QUARANTINE_COL_NAMESPACE 9
Table *quarantine_table_new(json_t *entries);
/* 'restore' for people: what came back, and where. */
void restore_print(FILE *f, json_t *reply);

/* 'status' for people: the daemon, its last scan, totals, limits, then a line per IPC
 * namespace of GetStatus "namespaces" (none when the daemon sends none). now: Unix seconds. */
void status_print(FILE *f, json_t *reply, int64_t now);
/* The namespace lines alone. */
void status_print_namespaces(FILE *f, json_t *namespaces);
/* The limit of limits (an array of Limit) with the highest use ratio, ignoring those
 * without a limit ("unlimited"); NULL if none. *ret_ratio gets its ratio (0..1). */
json_t *limits_highest_use(json_t *limits, double *ret_ratio);

/* 'explain' for people. what: the id or name as typed. */
void explain_print(FILE *f, json_t *reply, const char *what);
