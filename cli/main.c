/* main.c - the `fate` command: dispatch to one file per command. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "fate.h"
#include "options.h"
#include "par.h"

static const char *usage =
    "fate - features are fate: transfer learning in deep linear networks, simulated\n"
    "and compared with its closed-form theory (Tahir, Ganguli, Rotskoff, ICML 2025).\n"
    "\n"
    "usage: fate <command> [options]\n"
    "\n"
    "commands:\n"
    "  run      one experiment at one (gamma, theta): pretraining, then training from\n"
    "           scratch, linear transfer and fine-tuning on K instances, each result\n"
    "           beside its theory value\n"
    "  theory   the closed forms on lists or ranges of gamma, theta, sigma, lambda\n"
    "  phase    the transferability phase diagram over (gamma, theta): sweep, CSVs,\n"
    "           figures with the theory boundary (the default job: `fate phase`)\n"
    "  reproduce  every linear experiment of the paper: all figures, CSVs and a\n"
    "           report of simulation against theory (--quick: under a minute)\n"
    "  distance distances between task distributions against transferability: they\n"
    "           do not predict it, the feature overlap does (CSVs, figures, report)\n"
    "  predict  transferability scores, distances and feature measures ranked\n"
    "           against the exact transfer gain (CSVs, figures, report)\n"
    "\n"
    "  fate <command> --help   options of one command\n"
    "  fate --version          version\n";

static int dispatch(int argc, char **argv);
static int close_stdout(int argc, char **argv, int rc);

int main(int argc, char **argv)
{
    par_init(&argc, &argv);
    int rc = dispatch(argc, argv);
    rc = close_stdout(argc, argv, rc);
    par_finalize();
    return rc;
}

/* Output redirected to a full disk or /dev/full fails in a write that stdio
 * only remembers (ferror) or in the final flush: without this check the
 * command would exit 0 with truncated output. The errno of the failed write
 * is still set when nothing after it failed (successful calls leave errno
 * alone), so it is taken as the reason when the flush itself succeeds. */
static int close_stdout(int argc, char **argv, int rc)
{
    int saved = errno;
    int bad = fflush(stdout) != 0;
    int e = bad ? errno : saved;
    bad |= ferror(stdout) != 0;
    if (fclose(stdout) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad) return rc;
    static const char *const cmds[] = {"run", "theory", "phase", "reproduce", "distance", "predict", NULL};
    const char *name = NULL;
    for (int i = 0; argc > 1 && cmds[i]; i++)
        if (!strcmp(argv[1], cmds[i])) name = cmds[i];
    fprintf(stderr, "fate%s%s: error writing standard output: %s\n", name ? " " : "", name ? name : "",
            strerror(e ? e : EIO));
    return rc == 0 ? FATE_EXIT_RUNTIME : rc;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return FATE_EXIT_USAGE;
    }
    const char *c = argv[1];
    if (!strcmp(c, "--help") || !strcmp(c, "-h") || !strcmp(c, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(c, "--version") || !strcmp(c, "-V")) {
        printf("fate %s\n%s\n", fate_version(), par_description());
        return 0;
    }
    if (!strcmp(c, "run")) return cmd_run(argc - 1, argv + 1);
    if (!strcmp(c, "theory")) return cmd_theory(argc - 1, argv + 1);
    if (!strcmp(c, "phase")) return cmd_phase(argc - 1, argv + 1);
    if (!strcmp(c, "reproduce")) return cmd_reproduce(argc - 1, argv + 1);
    if (!strcmp(c, "distance")) return cmd_distance(argc - 1, argv + 1);
    if (!strcmp(c, "predict")) return cmd_predict(argc - 1, argv + 1);
    cli_error(NULL, "unknown command '%s' (commands: run, theory, phase, reproduce, distance, predict; see fate --help)",
              c);
    return FATE_EXIT_USAGE;
}
