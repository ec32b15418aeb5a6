"""Settings variants for measuring a suggested change before anyone makes it in the app.

Select one with `bench/run.py --settings bench.experiments.<module>`; the app's own
code is untouched, the server just runs with a different DJANGO_SETTINGS_MODULE.
"""
