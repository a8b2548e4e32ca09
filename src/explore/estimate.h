/*
 * estimate.h - predicting a search's size before running it
 * (--estimate): random walks from the initial state, and a short probe
 * of the real search for its speed.
 */
#ifndef STALE_ESTIMATE_H
#define STALE_ESTIMATE_H

#include "search.h"

#define EST_BATCHES	5

struct estimate {
	double states;		/* the prediction */
	double lo, hi;		/* its lower and upper estimates */
	int exact;		/* the probe finished: states is the count */
	int walks;		/* per batch */
	int depth;		/* the longest walk */
	double rate;		/* states/s of the probe */
	size_t probe_states;
	double seconds;		/* spent estimating */
};

/*
 * Estimate the states search(p, o) would explore.  -1 if the probe met
 * an error of the scenario (then r holds it, as search() would).
 */
int estimate(const struct prog *p, const struct search_opts *o, int walks,
	     struct estimate *est, struct result *r);

#endif
