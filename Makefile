# The two commands of the README: `make demo` and `make test`. Everything else is a helper.
.PHONY: demo test test-django42 test-django52 translations benchmarks dist clean

DEMO_VENV := .venv
PYTEST_ARGS ?=

demo:
	@scripts/system-deps.sh demo
	@scripts/venv.sh $(DEMO_VENV) requirements/demo.txt
	@cd demo && ../$(DEMO_VENV)/bin/python manage.py migrate --run-syncdb --noinput -v 0
	@cd demo && ../$(DEMO_VENV)/bin/python manage.py seed_demo
	@echo ""
	@echo "Demo: http://127.0.0.1:8000/admin/   (Ctrl-C to stop)"
	@echo "Admin login: admin / admin"
	@echo "XBlock workbench: http://127.0.0.1:8000/workbench/   (learner login: apprenant / apprenant)"
	@cd demo && ../$(DEMO_VENV)/bin/python manage.py runserver 127.0.0.1:8000

# The whole suite on each supported Django: SQLite, then a throwaway PostgreSQL and MariaDB. Each job
# installs exactly the LMS's version of every package the LMS pins (requirements/constraints/).
test: test-django42 test-django52

test-django42:
	@scripts/system-deps.sh
	@scripts/venv.sh .venv-django42 requirements/django42.txt python3.11
	@scripts/run-suite.sh .venv-django42 $(PYTEST_ARGS)

test-django52:
	@scripts/system-deps.sh
	@scripts/venv.sh .venv-django52 requirements/django52.txt python3.12
	@scripts/run-suite.sh .venv-django52 $(PYTEST_ARGS)

benchmarks:
	@scripts/venv.sh .venv-django52 requirements/django52.txt python3.12
	@for b in benchmarks/*.py; do [ $$b = benchmarks/harness.py ] || .venv-django52/bin/python $$b || exit 1; done

# The sdist and the wheel in dist/, checked (docs/releasing.md).
dist:
	@scripts/venv.sh .venv-django52 requirements/django52.txt python3.12
	@rm -rf dist && .venv-django52/bin/python -m build --no-isolation && .venv-django52/bin/twine check --strict dist/*

clean:
	rm -rf .venv .venv-django42 .venv-django52 demo/db.sqlite3 build dist *.egg-info
