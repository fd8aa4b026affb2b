/* main.c - the `fate` command: dispatch to one file per command. */
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
    "\n"
    "  fate <command> --help   options of one command\n"
    "  fate --version          version\n";

static int dispatch(int argc, char **argv);

int main(int argc, char **argv)
{
    par_init(&argc, &argv);
    int rc = dispatch(argc, argv);
    par_finalize();
    return rc;
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
    cli_error(NULL, "unknown command '%s' (commands: run, theory, phase, reproduce, distance; see fate --help)", c);
    return FATE_EXIT_USAGE;
}
