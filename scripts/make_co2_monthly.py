"""Makes data/mauna-loa-co2-monthly.csv from the public-domain Mauna Loa weekly CO2 series that Debian's
python3-statsmodels ships (Keeling and Whorf, Scripps/CDIAC, March 1958 - December 2001): monthly means of
the weekly values, months without any value left out. Run: /usr/bin/python3 scripts/make_co2_monthly.py"""
import csv
from collections import OrderedDict

SRC = "/usr/lib/python3/dist-packages/statsmodels/datasets/co2/co2.csv"
months = OrderedDict()
with open(SRC) as f:
    for row in csv.DictReader(f):
        if not row["co2"].strip():
            continue
        key = row["date"][:4] + "-" + row["date"][4:6]
        months.setdefault(key, []).append(float(row["co2"]))
with open("data/mauna-loa-co2-monthly.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["month", "co2_ppm"])
    for k, v in months.items():
        w.writerow([k, f"{sum(v) / len(v):.3f}"])
