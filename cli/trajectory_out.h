/* trajectory_out.h - fate run --trajectory K: the learning curves of every
 * instance (fate_run_trajectories) as DIR/trajectory.csv and figures. */
#ifndef FATE_CLI_TRAJECTORY_OUT_H
#define FATE_CLI_TRAJECTORY_OUT_H

#include "fate.h"
#include "figures.h"

typedef struct traj_set {
    const fate_spec *s;
    size_t K, cap, every;
    const fate_traj_point *pts; /* instance i's records at pts + i cap */
    const size_t *counts;       /* (K) */
} traj_set;

/* The column name of a record's method: pretrain (0), scratch, lt, ... */
const char *traj_method_word(unsigned method);
/* DIR/trajectory.csv: instance,method,step,risk,train_loss,balance,c with
 * %.17g (every number parses back to the same double; NaN empty). 0, or -1
 * after one line. */
int traj_write_csv(const char *dir, const traj_set *t, file_list *files);
/* DIR/trajectory.<fmt> (risk against step + 1 on a log axis, the mean over
 * instances in each method's colour, the instances faint, the theory end
 * values dashed) and DIR/trajectory_pretrain.<fmt> (pretraining with the
 * depth-2 theory, THEORY.md section 9), in every format of fmts. 0, or -1
 * after one line. */
int traj_figures(const char *dir, unsigned fmts, const traj_set *t, file_list *files);

#endif
