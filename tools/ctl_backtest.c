/* churnctl backtest — being written (see issue 3); not yet available. */
#include <stdio.h>

#include "ctl.h"

int ctl_backtest(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "churnctl backtest: not yet available in this build\n");
	return 2;
}
