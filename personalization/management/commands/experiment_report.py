"""An experiment's results now: `python manage.py experiment_report NAME --json` (last line: JSON)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from personalization.models import Experiment
from personalization.selectors.experiment_report import experiment_report


class Command(BaseCommand):
    help = "Per variant: profiles, page views, impressions, clicks, plays, rates with intervals, lift, p-value."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--sequential", action="store_true", help="always-valid p-values and intervals (mSPRT)")
        parser.add_argument("--no-cuped", action="store_true", help="without the pre-period variance reduction")
        parser.add_argument("--json", action="store_true", help="end with one JSON line (the table on stderr)")

    def handle(self, *args, name, sequential, no_cuped, **options):
        experiment = Experiment.objects.filter(name=name).first()
        if experiment is None:
            known = ", ".join(Experiment.objects.values_list("name", flat=True)[:10]) or "none yet"
            raise CommandError(f"There is no experiment named {name!r} (known: {known}).")
        report = experiment_report(experiment, sequential=sequential, use_cuped=not no_cuped)
        out = self.stderr if options["json"] else self.stdout
        if report["kind"] == Experiment.Kind.INTERLEAVE:
            out.write(
                f"{name}: {report['sessions_with_clicks']} sessions with clicks; A ({report['rankers']['A']}) "
                f"won {report['wins_a']}, B ({report['rankers']['B']}) won {report['wins_b']}, p = {report['p_value']}"
            )
        else:
            self._table(report, out)
        if options["json"]:
            self.stdout.write(json.dumps(report))

    def _table(self, report: dict, out) -> None:
        srm = report["srm_p_value"]
        if report["srm_flag"]:
            out.write(f"SAMPLE RATIO MISMATCH (p = {srm:.2g}): do not trust these results.")
        reduction = report["cuped_variance_reduction"]
        out.write(f"{report['experiment']} ({report['metric']}, {report['mode']}; CUPED removed {reduction:.0%})")
        header = ("variant", "profiles", "impr.", "clicks", "plays", "CTR", "lift")
        columns = "".join(f"{h:>9}" for h in header[1:])
        out.write(f"  {header[0]:<14}{columns}  95% interval      p         P(best)")
        for v in report["variants"]:
            lift = "" if v["control"] else f"{v['lift']:+.1%}" if v["lift"] is not None else "n/a"
            interval = "(control)" if v["control"] else _interval(v)
            ctr = f"{v['ctr']:.2%}" if v["ctr"] is not None else "n/a"
            p = "" if v["p_value"] is None else "< 0.0001" if v["p_value"] < 1e-4 else f"{v['p_value']:.4f}"
            cells = (v["profiles"], v["impressions"], v["clicks"], v["plays"], ctr, lift)
            row = "".join(f"{c:>9}" for c in cells) + f"  {interval:<17} {p:<9} {v['prob_best']:.1%}"
            out.write(f"  {v['name']:<14}" + row)
        if not report["srm_flag"] and srm is not None:
            out.write(f"Sample ratio check: profiles per variant as the weights say (chi-square p = {srm:.2g}).")


def _interval(variant: dict) -> str:
    if variant["lift_ci_low"] is None:
        return "n/a"
    return f"{variant['lift_ci_low']:+.1%} .. {variant['lift_ci_high']:+.1%}"
