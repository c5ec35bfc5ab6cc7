"""Calibration: ground a scenario in the user's own data.

* :func:`fit_adoption`: Bass p, q and market size m from new (or cumulative)
  customers per period; its ``scenario()`` is the Bass limit that reproduces them.
* :func:`fit_transactions`: BG/NBD r, alpha, a, b (weeks) and spend per purchase
  from a transaction log, with a holdout check; its ``scenario()`` carries the
  fitted repeat stage.

The command line is ``cxsim calibrate adoption|transactions``.
"""

from cxsim.calibrate.adoption import AdoptionFit, fit_adoption
from cxsim.calibrate.data import DataError, FitError
from cxsim.calibrate.transactions import TransactionFit, fit_transactions

__all__ = ["AdoptionFit", "DataError", "FitError", "TransactionFit", "fit_adoption", "fit_transactions"]
