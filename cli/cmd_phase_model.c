/* cmd_phase_model.c - `fate phase --model NAME` for every model that declares
 * its parameters (fate_model.params, e.g. the ridge toy model): options from
 * the model's table, the one job (cells, resume, runs.csv), the one summary
 * writer and the one figure layer. Nothing in this file names a model. */
#include <errno.h>
#include <jansson.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "folder_lock.h"
#include "job.h"
#include "manifest.h"
#include "model_figures.h"
#include "model_opts.h"
#include "model_summary.h"
#include "options.h"
#include "opt_table.h"
#include "par.h"
#include "sweep_io.h"

static const char *const C = "phase";

/* --resume's view of a model's options (resume_run, manifest.h) */
static int rk_init(void *o, const void *model) { return model_opts_init(o, model); }
static int rk_parse(int ac, char **av, void *o) { return model_opts_parse(o, ac, av); }
static int rk_finish(void *o) { return model_opts_finish(o); }
static char *rk_params(const void *o) { return model_opts_json(o); }
static void rk_release(void *o) { model_opts_free(o); }

/* A model without gradient descent has no learning rate to blame. */
static void diverged(const void *sweep, const fate_sweep_error *e, char *where, size_t wsize, char *lr,
                     size_t lsize)
{
    (void)sweep;
    snprintf(where, wsize, "cell row %zu, column %zu", e->theta_index, e->gamma_index);
    snprintf(lr, lsize, "the model's default");
}

/* Options, the sweep, its folder: 0, or the exit code after one line. */
static int prepare(model_opts *o, json_t **args, void **sweep, int argc, char **argv)
{
    int pr = model_opts_parse(o, argc, argv);
    if (pr) return pr > 0 ? -1 : FATE_EXIT_USAGE;
    const resume_kind k = {C, "sweep", sizeof *o, o->m, rk_init, rk_parse, rk_finish, rk_params, rk_release,
                           &MODEL_RUN_TABLE};
    int rc = resume_or_start(&k, o, o->resume, o->out, o->n_result_opts, args, argc, argv);
    if (rc) return rc;
    const char *why = NULL;
    fate_status st = o->m->make(sweep, o->val, &why);
    if (st != FATE_OK) {
        if (why) cli_error(C, "%s", why);
        else cli_error(C, "cannot build the sweep: %s", fate_strerror(st));
        return st == FATE_EINVAL ? FATE_EXIT_USAGE : FATE_EXIT_RUNTIME;
    }
    return job_folder_open(C, o->out);
}

/* The job, the summary, the figures and the manifest's end. */
static int run(const model_opts *o, const void *sweep, const char *params, manifest *man, file_list *files)
{
    char label[128];
    snprintf(label, sizeof label, "fate phase --model %s", o->m->name);
    job_spec js = {.dir = o->out, .model = o->m, .sweep = sweep, .params = params, .quiet = o->quiet,
                   .label = label, .diverged = diverged};
    job_cells cells;
    int rc = job_run(&js, &cells, files);
    if (!par_root()) return rc;
    if (rc != JOB_OK) {
        job_report_stop(man, rc, C, o->m->name, o->out);
        return rc;
    }
    model_summary s;
    rc = model_summary_build(&s, o->m, sweep, &cells, NULL, 0) ? JOB_FAILED : model_summary_write(&s, o->out, files);
    if (rc == JOB_OK && o->plot) rc = model_figures(&s, cells.rows, cells.cols, o->out, o->plot, files) ? JOB_FAILED : JOB_OK;
    if (manifest_end(man, rc == JOB_OK ? "complete" : "failed", files) != 0) rc = JOB_FAILED;
    if (rc == JOB_OK) {
        printf("fate phase: %s, %zu x %zu cells, in %s\n", o->m->name, cells.rows, cells.cols, o->out);
        for (size_t i = 0; i < files->n; i++) printf("  %s\n", files->paths[i]);
        printf("  %s/manifest.json\n", o->out);
    }
    if (s.g) model_summary_free(&s);
    job_cells_free(&cells);
    return rc;
}

int cmd_phase_model(const fate_model *m, int argc, char **argv)
{
    model_opts o;
    json_t *args = NULL;
    void *sweep = NULL;
    if (model_opts_init(&o, m)) {
        model_opts_free(&o);
        return FATE_EXIT_RUNTIME;
    }
    int rc = prepare(&o, &args, &sweep, argc, argv);
    if (rc) {
        json_decref(args);
        if (sweep) m->destroy(sweep);
        model_opts_free(&o);
        return rc < 0 ? 0 : rc;
    }
    if (o.have_threads) omp_set_num_threads(o.threads);
    char *params = model_opts_json(&o);
    manifest man;
    json_t *extra = json_object();
    json_object_set_new(extra, "sweep", params ? json_loads(params, 0, NULL) : json_null());
    if (par_root()) manifest_begin(&man, o.out, "phase", args, NULL, extra);
    else { json_decref(args); json_decref(extra); }
    job_install_signals();
    file_list files = {0};
    rc = run(&o, sweep, params, &man, &files);
    free(params);
    file_list_free(&files);
    m->destroy(sweep);
    model_opts_free(&o);
    return job_exit(rc);
}
