# Shortcuts for the two README commands.
.PHONY: run test lint

run:
	python3 dev.py run

test:
	python3 dev.py test

lint:
	.venv/bin/ruff check .
