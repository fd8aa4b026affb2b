/* trajectory_out.c - trajectory.csv of fate run --trajectory
 * (trajectory_out.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "options.h"
#include "sweep_io.h"
#include "trajectory_out.h"

const char *traj_method_word(unsigned m)
{
    const char *w = m == 0 ? "pretrain" : fate_method_name(m);
    return w ? w : "?";
}

/* %.17g, or nothing for NaN (as fate run --format csv) */
static void put_g17(FILE *f, double v)
{
    if (isnan(v)) fputc(',', f);
    else fprintf(f, ",%.17g", v);
}

int traj_write_csv(const char *dir, const traj_set *t, file_list *files)
{
    char *text = NULL, path[4096];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        cli_error("run", "out of memory for trajectory.csv");
        return -1;
    }
    fprintf(f, "instance,method,step,risk,train_loss,balance,c\n");
    for (size_t i = 0; i < t->K; i++)
        for (size_t r = 0; r < t->counts[i]; r++) {
            const fate_traj_point *p = &t->pts[i * t->cap + r];
            fprintf(f, "%zu,%s,%zu", i, traj_method_word(p->method), p->step);
            put_g17(f, p->risk);
            put_g17(f, p->train_loss);
            put_g17(f, p->balance);
            put_g17(f, p->c);
            fputc('\n', f);
        }
    int bad = ferror(f);
    fclose(f);
    snprintf(path, sizeof path, "%s/trajectory.csv", dir);
    if (bad || !text || write_atomic(path, text, len) != 0) {
        cli_error("run", "--out: cannot write %s", path);
        free(text);
        return -1;
    }
    free(text);
    file_list_add(files, path);
    return 0;
}
