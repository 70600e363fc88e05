# The two commands: `make run` (platform + demo data) and `make test` (the whole suite).
.PHONY: run test lint bench stop

run:
	./stack/bootstrap.sh
	.venv/bin/wellwon run --demo

test:
	./stack/bootstrap.sh
	.venv/bin/wellwon stack up
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy .
	.venv/bin/wellwon schemas check
	.venv/bin/pytest

bench:
	.venv/bin/python -m benchmarks.engine_bench

stop:
	.venv/bin/wellwon stack down
