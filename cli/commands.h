/* commands.h - one entry point per CLI command (cli/cmd_*.c). */
#ifndef FATE_CLI_COMMANDS_H
#define FATE_CLI_COMMANDS_H
int cmd_run(int argc, char **argv);
int cmd_theory(int argc, char **argv);
int cmd_phase(int argc, char **argv);
/* `fate phase --model relu2` (cli/cmd_phase_relu.c) */
int cmd_phase_relu(int argc, char **argv);
/* `fate phase --model NAME` for a model that declares its parameters
 * (cli/cmd_phase_model.c) */
struct fate_model;
int cmd_phase_model(const struct fate_model *m, int argc, char **argv);
int cmd_reproduce(int argc, char **argv);
int cmd_distance(int argc, char **argv);
int cmd_predict(int argc, char **argv);
#endif
