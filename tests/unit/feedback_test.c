/* feedback_test.c — the figures of lib/feedback.c that need no store. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "feedback.h"
#include "json.h"

TEST(wilson)
{
	CHECK(attune_feedback_wilson(0, 0) == 0);
	CHECK(fabs(attune_feedback_wilson(2, 2) - 0.342372) < 1e-6);
	CHECK(fabs(attune_feedback_wilson(100, 101) - 0.945999) < 1e-3);
	CHECK(attune_feedback_wilson(100, 101) > attune_feedback_wilson(2, 2));
	CHECK(attune_feedback_wilson(0, 5) == 0); /* never negative from rounding */
	CHECK(attune_feedback_wilson(5, 5) < 1);
	for (long long n = 1; n < 200; n++)
		for (long long g = 0; g <= n; g += 7)
			CHECK(attune_feedback_wilson(g, n) <= (double)g / (double)n + 1e-12);
}

TEST(rating_record)
{
	jv r = attune_feedback_rating("tip-a", 0, 0);

	CHECK(!strcmp(attune_json_str(r, "template_id"), "tip-a"));
	CHECK(attune_json_num(r, "confidence", -1) == 1.0);
	CHECK(attune_json_num(r, "lower_bound", -1) == 0);
	CHECK(attune_json_num(r, "n", -1) == 0);
	jv_free(r);
	r = attune_feedback_rating("tip-a", 1, 1);
	CHECK(attune_json_num(r, "confidence", -1) == 0.5);
	CHECK(attune_json_num(r, "good", -1) == 1 && attune_json_num(r, "bad", -1) == 1);
	jv_free(r);
}

TEST(tiers)
{
	CHECK(attune_feedback_valid_tier("cheap") && attune_feedback_valid_tier("capable") &&
	      attune_feedback_valid_tier("premium"));
	CHECK(!attune_feedback_valid_tier("CHEAP") && !attune_feedback_valid_tier("") &&
	      !attune_feedback_valid_tier("premium2"));
}

int main(void)
{
	RUN(wilson);
	RUN(rating_record);
	RUN(tiers);
	return check_done();
}
