"""Every failure mode the runbook documents, by name (the name experiments and `-k` use)."""

from __future__ import annotations

from chaos import bad_config, disk_full, image_pull, network_policy, no_clear_cause, node_problem, oom, pvc_loss
from chaos.experiment import Mode

MODES: dict[str, Mode] = {
    mode.name: mode
    for mode in (
        oom.MODE,
        disk_full.MODE,
        pvc_loss.MODE,
        bad_config.MODE,
        image_pull.MODE,
        network_policy.MODE,
        node_problem.MODE,
        no_clear_cause.STEP3,
        no_clear_cause.STEP4,
        no_clear_cause.STEP5,
        no_clear_cause.STEP6,
    )
}
