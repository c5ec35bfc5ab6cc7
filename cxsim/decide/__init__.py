"""Decisions: plans x worlds x replications paired by seed; compare, advise, robust, optimise."""
