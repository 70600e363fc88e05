# The two commands: `make run` (platform + demo data) and `make test` (the whole suite).
.PHONY: run test lint bench bench-all stop mutate console

run:
	./stack/bootstrap.sh
	[ -f web/dist/index.html ] || (cd web && npm run build)
	.venv/bin/wellwon run --demo

test:
	./stack/bootstrap.sh
	.venv/bin/wellwon stack up
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy .
	.venv/bin/wellwon schemas check
	cd web && npm run typecheck && npm test && npm run build
	.venv/bin/pytest

bench:
	.venv/bin/python -m benchmarks.engine_bench

# Every benchmark, sized to finish in about 15 minutes on 2 cores (benchmarks/__main__.py).
bench-all:
	.venv/bin/wellwon stack up
	.venv/bin/python -m benchmarks

# Mutation run over the deciders, the engine and the money and identifier code (unit tests only);
# `make mutate MODULES="streams.company.identifiers"` for some modules. Slow: hours for all on 2 cores.
mutate:
	.venv/bin/python -m stack.mutation $(MODULES)

stop:
	.venv/bin/wellwon stack down

console:
	cd web && npm run build
