/* commands.h - one entry point per CLI command (cli/cmd_*.c). */
#ifndef FATE_CLI_COMMANDS_H
#define FATE_CLI_COMMANDS_H
int cmd_run(int argc, char **argv);
int cmd_theory(int argc, char **argv);
#endif
