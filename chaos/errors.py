"""The chaos suite's errors: each says whose fault a failure is (the runbook's, the target's or the suite's)."""


class ChaosError(Exception):
    """Base of the chaos suite's errors."""


class ChaosRefused(ChaosError):
    """Chaos may not change this cluster: nothing was changed."""


class InjectionFailed(ChaosError):
    """The fault could not be injected."""


class SymptomNotShown(ChaosError):
    """The runbook's diagnosis did not show the documented symptom within its budget: a runbook defect."""


class RecoveryFailed(ChaosError):
    """The runbook's recovery commands did not bring Redis back within the budget."""


class HarnessError(ChaosError):
    """The suite itself failed (an exception in a probe, an API error, a harness timeout): not a runbook defect."""


class NotRecovered(RecoveryFailed):
    """Every recovery step ran, but the runbook's verification still failed at its budget."""


class NoHealthyNode(RecoveryFailed):
    """The pod has no healthy node to be rescheduled to (a single-node cluster)."""


class AlertPathFailed(ChaosError):
    """The runbook's alert did not behave: RedisDown never reached the pager although every client reported Redis
    down long enough, it never resolved after recovery, or it was still active before the fault."""


class AlertPathUnmeasured(ChaosError):
    """The alert path had to be measured (the suite installed the monitoring stack) but could not be read."""
