"""``python -m funnel.sample``: write the sample export."""

from funnel.sample.export import main

if __name__ == "__main__":
    raise SystemExit(main())
