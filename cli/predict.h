/* predict.h - one run of `fate predict` (cli/cmd_predict.c runs it,
 * cli/predict_report.c writes its CSV files, figures and report). */
#ifndef FATE_CLI_PREDICT_H
#define FATE_CLI_PREDICT_H
#include <stddef.h>

#include "figures.h"
#include "predict_pairs.h"
#include "rank_stats.h"

/* Correlation groups: each family, then all pairs pooled. */
#define N_GROUP (N_PFAM + 1)
#define G_POOLED N_PFAM

typedef struct predict_run {
    const char *out;
    unsigned plot;
    pred_setup ps;
    size_t np, B;          /* pairs, bootstrap resamples */
    pred_pair *P;
    rank_ci corr[N_GROUP][NTRUTH][NPRED];
    size_t fam_pairs[N_GROUP];
    size_t score_nan, unconverged;
    file_list files;
} predict_run;

/* predict_report.c: pairs.csv, correlation.csv, the figures, report.md and
 * index.html; 0, or -1 after one line. *frc is set when a figure failed. */
int predict_write(predict_run *r, int *frc);
#endif
