/*
 * dma.h - the streaming DMA API built-ins.
 */
#ifndef STALE_DMA_H
#define STALE_DMA_H

#include "builtins.h"

uint32_t dma_call(struct ctx *c, enum builtin fn, const uint32_t *args);

#endif
