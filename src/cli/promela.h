/*
 * promela.h - `stale export --promela`: the scenario, under its settings,
 * as a Promela model for SPIN (docs/promela.md).
 */
#ifndef STALE_PROMELA_H
#define STALE_PROMELA_H

#include <stdio.h>

#include "run.h"

/*
 * Parse and lower path as `stale run` does, then write the model to out.
 * Returns 0; 2 after a bad file, or when the scenario uses something the
 * export cannot express ("FILE:1:1: cannot export: ..." on stderr).
 */
int export_promela(const char *path, const struct run_opts *o, FILE *out);

#endif
