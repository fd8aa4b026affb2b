/* fate_model.h - the model interface: what every model of fate (the deep
 * linear network of fate.h, the two-layer network of fate_mlp.h) tells the
 * code that runs, saves, resumes and assembles its sweeps, so that this code
 * is written once.
 *
 * A model's sweep is a grid of rows x cols cells, K instances each (run by
 * the one scheduler of src/grid.c). A finished cell is handed over as a
 * table: one row per (method, ridge, instance, ...) with the columns the
 * model declares (the columns of runs.csv). Columns have a kind (how a value
 * is written and read back) and a role: the coordinates of the cell (the same
 * in every row: they identify the cell), the key of a row (which method,
 * ridge and instance it is), or a result. Every value is held as a double;
 * a count is integral, a word is an index into the model's words.
 *
 * The sweep itself is the model's own struct (fate_sweep, fate_relu_sweep),
 * passed as `const void *`. A model that declares its parameters (params,
 * make) also builds its sweep from them, and is then run, saved, resumed,
 * summarised and drawn by generic code alone: adding such a model is one
 * file plus its line in the registry (src/model.c; docs/architecture.md). */
#ifndef FATE_MODEL_H
#define FATE_MODEL_H
#include <stddef.h>
#include "fate.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fate_col_kind {
    FATE_COL_REAL = 0,  /* a double: written with 17 significant digits */
    FATE_COL_COUNT = 1, /* a non-negative integer */
    FATE_COL_WORD = 2   /* an index into fate_model.words */
} fate_col_kind;

typedef enum fate_col_role {
    FATE_ROLE_VALUE = 0, /* a result */
    FATE_ROLE_COORD = 1, /* a coordinate of the cell, equal in all its rows */
    FATE_ROLE_KEY = 2,   /* identifies the row within its cell */
    FATE_ROLE_INSTANCE = 3 /* a key that counts the instances: summaries
                              average over it */
} fate_col_role;

typedef struct fate_column {
    const char *name;
    fate_col_kind kind;
    fate_col_role role;
    int finite; /* nonzero: a saved value that is not finite marks a damaged cell */
    /* Axis and legend text for figures, with its symbol and unit (UTF-8;
     * NULL: the name). */
    const char *label;
} fate_column;

/* A finished cell: rows x the model's columns, row-major, owned by the sweep
 * and valid during the call only. */
typedef struct fate_table {
    size_t row, col;   /* grid indices */
    size_t n_rows;
    const double *v;   /* (n_rows, n_columns) */
} fate_table;

typedef struct fate_model_hooks {
    void *ctx;
    /* nonzero: cell (row, col) is already done (resume) and is not computed */
    int (*skip)(void *ctx, size_t row, size_t col);
    /* a cell finished; serialised; nonzero return stops the sweep */
    int (*cell_done)(void *ctx, const fate_table *cell);
    /* polled between work items from several threads (must be thread-safe) */
    int (*should_stop)(void *ctx);
    /* work items done out of total; serialised */
    void (*progress)(void *ctx, size_t done, size_t total);
} fate_model_hooks;

/* One parameter of a model's sweep, declared once: the option --NAME of
 * `fate phase --model MODEL` (parsed, validated, listed in --help and saved
 * in the manifest from this table) and the keyword NAME (with '-' as '_')
 * of the Python package's fate.phase(model=MODEL). */
typedef enum fate_param_kind {
    FATE_PARAM_REAL = 0,  /* one number */
    FATE_PARAM_COUNT = 1, /* one integer */
    FATE_PARAM_LIST = 2,  /* one or more numbers: a,b,c or start:stop:count */
    FATE_PARAM_SEED = 3   /* an unsigned 64-bit integer (lo, hi unused) */
} fate_param_kind;

typedef struct fate_param {
    const char *name;  /* e.g. "gamma" */
    fate_param_kind kind;
    double lo, hi;     /* every value in [lo, hi]; (lo, hi] when lo_open */
    int lo_open;
    const char *def;   /* the default, as it is written on a command line */
    const char *help;  /* one line */
} fate_param;

/* The parsed value of a parameter. */
typedef struct fate_param_value {
    const double *v;   /* REAL, COUNT: v[0]; LIST: v[0 .. n-1] */
    size_t n;
    unsigned long long seed; /* SEED */
} fate_param_value;

typedef struct fate_model {
    const char *name;                 /* "linear", "relu2" */
    const char *const *words;         /* the values of FATE_COL_WORD columns */
    size_t n_words;
    /* The columns of a sweep's rows (static storage); *n gets their count.
     * sweep may be NULL: the columns every sweep of the model has (a sweep
     * may add more after them). */
    const fate_column *(*columns)(const void *sweep, size_t *n);
    /* NULL if the sweep is valid, else a static message naming the field. */
    const char *(*check)(const void *sweep);
    /* The grid: rows x cols cells. */
    void (*grid)(const void *sweep, size_t *rows, size_t *cols);
    /* The key and coordinate columns of the rows cell (row, col) must hold,
     * in order, into v (n_rows, n_columns; other columns untouched); returns
     * n_rows. v may be NULL to ask for the count. */
    size_t (*cell_keys)(const void *sweep, size_t row, size_t col, double *v);
    /* Runs every cell not skipped (fate_sweep_run's contract: FATE_EINTERRUPTED
     * when stopped, FATE_EDIVERGED with *err filled). */
    fate_status (*run)(const void *sweep, const fate_model_hooks *hooks, fate_sweep_error *err);
    /* Nonzero: the model's files (runs.csv) list the cells column by column
     * (the linear model: gamma-major, the order of its arrays), else row by
     * row. */
    int col_major;

    /* ---- what a generic command needs (fate phase --model NAME, the
     * Python fate.phase(model=NAME)); the linear and relu2 models have
     * commands of their own and leave params NULL. ---- */
    const char *title;        /* one line for --help */
    const fate_param *params; /* the sweep's parameters, in --help order */
    size_t n_params;
    /* A sweep (heap, freed by destroy) from one value per parameter, in the
     * order of params. FATE_EINVAL with *why (static text naming the
     * parameter) when the values do not go together; FATE_ENOMEM. */
    fate_status (*make)(void **sweep, const fate_param_value *vals, const char **why);
    void (*destroy)(void *sweep);
    /* The figures' axes: the coordinate columns that vary along the grid's
     * rows and along its columns (indices into columns()). */
    size_t row_axis, col_axis;
    /* The value drawn in the maps and slices (a VALUE column); nonzero
     * diverging: a gain centred on zero (like T), else a risk (>= 0). */
    size_t figure_value;
    int figure_diverging;
    /* Theory beside the simulation: n_theory values named theory_names
     * (summary.csv writes them as theory_<name>) for the summary group of a
     * row: row holds the coordinates and keys (values undefined); out gets
     * the values, NaN where the theory says nothing. */
    const char *const *theory_names;
    size_t n_theory;
    void (*theory)(const void *sweep, const double *row, double *out);
} fate_model;

FATE_API extern const fate_model fate_model_linear; /* sweep: fate_sweep (fate.h) */
FATE_API extern const fate_model fate_model_relu2;  /* sweep: fate_relu_sweep (fate_mlp.h) */

FATE_API extern const fate_model fate_model_ridge;  /* sweep: built by make (model_ridge.c) */

/* The registered model of that name, or NULL. */
FATE_API const fate_model *fate_model_find(const char *name);
/* The i-th registered model (i = 0, 1, ...), NULL past the last. */
FATE_API const fate_model *fate_model_at(size_t i);

#ifdef __cplusplus
}
#endif
#endif
