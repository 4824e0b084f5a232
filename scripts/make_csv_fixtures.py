"""Makes cli/src/test/resources/csv: two quoted CSV files as pandas and Python's csv module write them, and
expected.tsv, the baselines forecast prints for them, computed from pandas' own reading of each file.
Run from the repository root with Debian's python3-pandas: /usr/bin/python3 scripts/make_csv_fixtures.py"""
import csv, math, random
import numpy as np
import pandas as pd

out = 'cli/src/test/resources/csv/'
rnd = random.Random(7)
n = 60
level = [round(100 + 10 * math.sin(2 * math.pi * i / 12) + 0.3 * i + rnd.gauss(0, 1), 6) for i in range(n)]
notes = ['ok'] * n
notes[4] = 'said "hi", left'
notes[9] = 'two\nlines'
notes[20] = ''

# pandas' to_csv with QUOTE_NONNUMERIC: the strings quoted (a comma in a column name), the numbers bare
pd.DataFrame({'date': ['2024-%03d' % i for i in range(n)], 'load, MW': level, 'note': notes}) \
    .to_csv(out + 'nonnumeric.csv', index=False, quoting=csv.QUOTE_NONNUMERIC)

# the csv module with QUOTE_ALL and its default \r\n: every field quoted, "" for a quote in a name
with open(out + 'quote_all.csv', 'w', newline='') as f:
    w = csv.writer(f, quoting=csv.QUOTE_ALL)
    w.writerow(['t', 'temp "C"', 'note'])
    for i in range(n):
        w.writerow([i, 2 * level[i] - 150, notes[i]])

horizon, season = 6, 3
with open(out + 'expected.tsv', 'w') as f:
    f.write('# file\tcolumn\tvalues\tnaive RMSE\tnaive MAE\tseasonal naive RMSE\tseasonal naive MAE'
            ' (--horizon %d --season %d; from pandas.read_csv)\n' % (horizon, season))
    for name, col in (('nonnumeric.csv', 'load, MW'), ('quote_all.csv', 'temp "C"')):
        s = pd.read_csv(out + name)[col].to_numpy(dtype=np.float64)
        hist = len(s) - horizon
        truth = s[hist:]
        naive = np.full(horizon, s[hist - 1])
        seasonal = np.array([s[hist - season + h % season] for h in range(horizon)])
        row = [name, col, str(len(s))]
        for p in (naive, seasonal):
            row += [repr(float(np.sqrt(np.mean((p - truth) ** 2)))), repr(float(np.mean(np.abs(p - truth))))]
        f.write('\t'.join(row) + '\n')
