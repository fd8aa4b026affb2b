/* model.c - the registry of fate_model.h and what every model's adapter
 * shares. */
#include <string.h>

#include "fate_model.h"
#include "internal.h"

static const fate_model *const MODELS[] = {&fate_model_linear, &fate_model_relu2, &fate_model_ridge};
#define N_MODELS (sizeof MODELS / sizeof MODELS[0])

const fate_model *fate_model_find(const char *name)
{
    for (size_t i = 0; name && i < N_MODELS; i++)
        if (strcmp(MODELS[i]->name, name) == 0) return MODELS[i];
    return NULL;
}

const fate_model *fate_model_at(size_t i)
{
    return i < N_MODELS ? MODELS[i] : NULL;
}

int model_fwd_skip(void *ctx, size_t row, size_t col)
{
    const model_fwd *f = ctx;
    return f->h->skip && f->h->skip(f->h->ctx, row, col);
}

int model_fwd_stop(void *ctx)
{
    const model_fwd *f = ctx;
    return f->h->should_stop && f->h->should_stop(f->h->ctx);
}

void model_fwd_progress(void *ctx, size_t done, size_t total)
{
    const model_fwd *f = ctx;
    if (f->h->progress) f->h->progress(f->h->ctx, done, total);
}
