"""Stream processing: each domain's pure decider and the one Faust engine that runs them all."""
