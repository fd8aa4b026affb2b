/* folder_lock.h - one command at a time per output folder, and only the
 * command that made a folder writes into it again. */
#ifndef FATE_CLI_FOLDER_LOCK_H
#define FATE_CLI_FOLDER_LOCK_H

/* Claims the output folder dir (which exists) for command `owner` ("phase",
 * "reproduce", "distance"): takes an advisory lock (flock) on dir/.fate.lock
 * holding this process's id, kept until the process ends (so a kill -9
 * leaves no stale lock), refuses a folder whose manifest.json names another
 * command, and removes the temporary files (*.tmp.*) that a killed run left
 * in dir and dir/cells. Under MPI rank 0 claims and every rank learns the
 * outcome. 0, or the exit code (2) after printing one line naming --out. */
int folder_claim(const char *cmd, const char *dir, const char *owner);

#endif
