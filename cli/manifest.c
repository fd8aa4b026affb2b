/* manifest.c - DIR/manifest.json (see manifest.h). */
#include <errno.h>
#include <fcntl.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fate_git.h"
#include "manifest.h"
#include "options.h"
#include "opt_table.h"
#include "par.h"
#include "sweep_io.h"
#include "sweep_job.h"

static json_t *machine(int threads)
{
    json_t *o = json_object();
    struct utsname u;
    if (uname(&u) == 0) {
        json_object_set_new(o, "hostname", json_string(u.nodename));
        json_object_set_new(o, "system", json_string(u.sysname));
        json_object_set_new(o, "release", json_string(u.release));
        json_object_set_new(o, "arch", json_string(u.machine));
    }
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (!strncmp(line, "model name", 10)) {
                char *c = strchr(line, ':');
                if (c) {
                    c += 2;
                    c[strcspn(c, "\n")] = '\0';
                    json_object_set_new(o, "cpu", json_string(c));
                }
                break;
            }
        }
        fclose(f);
    }
    json_object_set_new(o, "cores", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    json_object_set_new(o, "threads", json_integer(threads > 0 ? threads : omp_get_max_threads()));
    json_object_set_new(o, "mpi_ranks", json_integer(par_size()));
    return o;
}

json_t *json_seed(unsigned long long seed)
{
    if (seed <= (unsigned long long)INT64_MAX) return json_integer((json_int_t)seed);
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", seed);
    return json_string(buf);
}

/* 0, or -1 after printing one line naming the file. */
static int save(manifest *m)
{
    char *txt = json_dumps(m->root, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    size_t L = txt ? strlen(txt) : 0;
    char *t2 = txt ? malloc(L + 2) : NULL;
    int rc = -1;
    errno = ENOMEM;
    if (t2) {
        memcpy(t2, txt, L);
        t2[L] = '\n';
        t2[L + 1] = '\0';
        rc = write_atomic(m->path, t2, L + 1);
    }
    if (rc != 0) fprintf(stderr, "fate: cannot write %s: %s\n", m->path, strerror(errno));
    free(t2);
    free(txt);
    return rc;
}

/* Space for the final manifest, kept under the very temporary name that
 * write_atomic will use (path.tmp.<pid>): on a disk that the command fills
 * up, truncating it frees exactly the room the final "failed" or "complete"
 * manifest needs, so the folder never stays "running" for want of space. */
static void reserve(const manifest *m)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", m->path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return;
    if (posix_fallocate(fd, 0, 64 * 1024) != 0) {
        close(fd);
        unlink(tmp);
        return;
    }
    close(fd);
}

int manifest_begin(manifest *m, const char *dir, const char *command, json_t *args,
                   const fate_sweep *sweep, json_t *extra)
{
    snprintf(m->path, sizeof m->path, "%s/manifest.json", dir);
    m->t0 = wall_now();
    m->root = json_object();
    json_object_set_new(m->root, "command", json_string(command));
    json_object_set_new(m->root, "args", args ? args : json_array());
    json_object_set_new(m->root, "fate_version", json_string(fate_version()));
    json_object_set_new(m->root, "git_commit", json_string(FATE_GIT_COMMIT));
    if (sweep) {
        char *p = sweep_params_json(sweep);
        json_error_t e;
        json_t *pj = p ? json_loads(p, 0, &e) : NULL;
        free(p);
        if (pj) json_object_set_new(m->root, "params", pj);
    }
    if (extra) {
        json_object_update(m->root, extra);
        json_decref(extra);
    }
    json_object_set_new(m->root, "machine", machine(sweep ? sweep->threads : 0));
    char t[64];
    iso_time(t, sizeof t, m->t0);
    json_object_set_new(m->root, "start_time", json_string(t));
    json_object_set_new(m->root, "status", json_string("running"));
    m->failed = save(m) != 0;
    if (!m->failed) reserve(m);
    return m->failed ? -1 : 0;
}

int manifest_end(manifest *m, const char *status, const file_list *files)
{
    double t1 = wall_now();
    char t[64];
    iso_time(t, sizeof t, t1);
    json_object_set_new(m->root, "end_time", json_string(t));
    json_object_set_new(m->root, "wall_seconds", json_real(t1 - m->t0));
    json_object_set_new(m->root, "status", json_string(status));
    if (files) {
        json_t *a = json_array();
        for (size_t i = 0; i < files->n; i++) json_array_append_new(a, json_string(files->paths[i]));
        json_object_set_new(m->root, "files", a);
    }
    m->failed |= save(m) != 0;
    json_decref(m->root);
    m->root = NULL;
    return m->failed ? -1 : 0;
}

/* The saved option words as an argv with av[0] = cmd (the words belong to arr). */
typedef struct saved_args {
    json_t *arr;
    char **av;
    int ac;
    char path[4200];
} saved_args;

static void saved_args_free(saved_args *s)
{
    free(s->av);
    json_decref(s->arr);
    s->av = NULL;
    s->arr = NULL;
}

static int saved_args_load(saved_args *s, const char *cmd, const char *dir, const char *what)
{
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s/manifest.json", dir);
    json_error_t jerr;
    json_t *man = json_load_file(s->path, 0, &jerr);
    json_t *saved = man ? json_object_get(man, "args") : NULL;
    if (!man || !json_is_array(saved)) {
        cli_error(cmd, "--resume: %s is missing or unreadable (no %s to resume in %s)", s->path, what, dir);
        json_decref(man);
        return -1;
    }
    s->arr = json_incref(saved);
    json_decref(man);
    size_t na = json_array_size(s->arr);
    s->av = calloc(na + 1, sizeof *s->av);
    if (!s->av) { saved_args_free(s); return -1; }
    s->av[0] = (char *)cmd;
    for (size_t i = 0; i < na; i++) {
        const char *w = json_string_value(json_array_get(s->arr, i));
        s->av[i + 1] = (char *)(w ? w : "");
    }
    s->ac = (int)na + 1;
    return 0;
}

int resume_parse(json_t **args, const char *cmd, const char *dir, const char *what,
                 int (*parse)(int ac, char **av, void *opts), void *opts)
{
    saved_args s;
    if (saved_args_load(&s, cmd, dir, what) != 0) return -1;
    /* a parser's own message then reads "--resume: the options saved in
     * DIR/manifest.json: unknown option ..." on one line */
    char context[4300];
    snprintf(context, sizeof context, "--resume: the options saved in %s", s.path);
    const unsigned long before = cli_errors_printed();
    cli_error_context(context);
    const int rc = parse(s.ac, s.av, opts);
    cli_error_context(NULL);
    if (rc != 0 && cli_errors_printed() == before) cli_error(cmd, "%s do not parse", context);
    else if (rc == 0) *args = json_copy(s.arr); /* shallow: the words parse kept pointers to stay alive */
    saved_args_free(&s);
    return rc != 0 ? -1 : 0;
}

/* The option behind a key of sweep.json (both models). */
static void key_option(char *buf, size_t size, const char *key)
{
    static const char *const map[][2] = {
        {"gammas", "--gamma"}, {"thetas", "--theta"}, {"lambdas", "--lambda"}, {"mus", "--mu"},
        {"ns", "--n"}, {"m", "--width"}, {"w_init", "--init-scale"}, {"c_init", "--readout-init"},
        {"online_src", "--online"}, {"teacher", "--theta or --mu"}, {"n_src", "--n-src or --gamma-src"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(key, map[i][0])) { snprintf(buf, size, "%s", map[i][1]); return; }
    snprintf(buf, size, "--%s", key);
    for (char *p = buf + 2; *p; p++)
        if (*p == '_') *p = '-';
}

/* A JSON value on one line, cut to about 60 characters; "the default" for
 * a parameter one side leaves out (keys are written only when not at their
 * default, so that older folders keep their saved parameters). */
static void short_json(char *buf, size_t size, const json_t *v)
{
    if (!v) {
        snprintf(buf, size, "the default");
        return;
    }
    char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
    snprintf(buf, size, "%.60s%s", t ? t : "?", t && strlen(t) > 60 ? "..." : "");
    free(t);
}

int resume_same_params(const char *cmd, const char *dir, const char *what, json_t *saved,
                       json_t *now)
{
    const char *key;
    json_t *va;
    if (!json_is_object(saved) || !json_is_object(now)) {
        cli_error(cmd, "--resume: the parameters saved in %s cannot be compared", dir);
        return -1;
    }
    /* every key of either side: one that only one side has differs too */
    for (int pass = 0; pass < 2; pass++) {
        json_t *from = pass ? now : saved, *other = pass ? saved : now;
        json_object_foreach(from, key, va) {
            const json_t *vb = json_object_get(other, key);
            if (vb && json_equal(va, vb)) continue;
            char opt[64], sa[80], sb[80];
            key_option(opt, sizeof opt, key);
            short_json(sa, sizeof sa, pass ? vb : va);
            short_json(sb, sizeof sb, pass ? va : vb);
            cli_error(cmd, "--resume: %s differs from the %s saved in %s (saved %s, given %s); drop "
                      "--resume to start over, or choose another --out", opt, what, dir, sa, sb);
            return -1;
        }
    }
    return 0;
}

/* resume_same_params over two JSON texts, "the <what> saved in dir". */
static int same_params_text(const char *cmd, const char *dir, const char *what, const char *params_saved,
                            const char *params_now)
{
    json_t *a = json_loads(params_saved ? params_saved : "", 0, NULL);
    json_t *b = json_loads(params_now ? params_now : "", 0, NULL);
    int rc = resume_same_params(cmd, dir, what, a, b);
    json_decref(a);
    json_decref(b);
    return rc;
}

int resume_same_sweep(const char *cmd, const char *dir, const char *params_saved, const char *params_now)
{
    return same_params_text(cmd, dir, "sweep", params_saved, params_now);
}

int resume_run(const resume_kind *k, void *o, const char *dir, int n_result_opts, json_t **args, int argc,
               char **argv, int *finished)
{
    void *r = calloc(1, k->size);
    if (!r || k->init(r, k->ctx) != 0) {
        if (r) k->release(r);
        free(r);
        cli_error(k->cmd, "out of memory");
        return FATE_EXIT_RUNTIME;
    }
    int rc = 0;
    if (resume_parse(args, k->cmd, dir, k->what, k->parse, r) != 0) {
        rc = FATE_EXIT_USAGE;
    } else if (n_result_opts > 0) {
        char *ja = NULL, *jb = NULL;
        int same = k->finish(r) == 0 && k->finish(o) == 0 && (ja = k->params(r)) != NULL &&
                   (jb = k->params(o)) != NULL && same_params_text(k->cmd, dir, k->what, ja, jb) == 0;
        free(ja);
        free(jb);
        json_decref(*args); /* after r's last use: its words point into them */
        *args = same ? opt_table_result_args(k->table, argc, argv, 1) : NULL;
        if (same) *finished = 1;
        else rc = FATE_EXIT_USAGE;
    } else {
        opt_table_keep_run(k->table, r, o);
        k->release(o);
        memcpy(o, r, k->size);
        free(r);
        return 0;
    }
    k->release(r);
    free(r);
    return rc;
}

int resume_or_start(const resume_kind *k, void *o, int resume, const char *dir, int n_result_opts, json_t **args,
                    int argc, char **argv)
{
    int finished = 0;
    if (resume) {
        int rr = resume_run(k, o, dir, n_result_opts, args, argc, argv, &finished);
        if (rr) return rr;
    } else {
        *args = opt_table_result_args(k->table, argc, argv, 1);
    }
    return !finished && k->finish(o) != 0 ? FATE_EXIT_USAGE : 0;
}
