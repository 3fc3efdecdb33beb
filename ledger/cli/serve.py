"""`creditledger serve`: run a node until SIGTERM/SIGINT, then shut down gracefully."""

from __future__ import annotations

import gc
import logging
import signal
import threading
from pathlib import Path

from ledger.cli.home import read_secret
from ledger.config import NodeConfig
from ledger.ingest import PipelineConfig
from ledger.members import MemberRegistry, load_members_file
from ledger.members.genesis import load_genesis
from ledger.memory import Trimmer, bound_malloc
from ledger.metrics import serve_metrics
from ledger.node import Node, NodeSettings
from ledger.privacy.crypto import MasterKey
from ledger.records.payload import check_rules
from ledger.service.server import ServerLimits, TlsFiles, build_server

log = logging.getLogger("creditledger.serve")


def node_settings(cfg: NodeConfig) -> NodeSettings:
    """Settings for Node.open from a validated config. Raises on unreadable keys."""
    master = (
        MasterKey.from_file(cfg.master_key_file, data_dir=cfg.data_dir)
        if cfg.master_key_file
        else MasterKey.from_env()
    )
    genesis = load_genesis(cfg.members_file)
    return NodeSettings(
        genesis=genesis,  # when present, the log (starting with these entries) defines the members
        data_dir=cfg.data_dir,
        node_seed=read_secret(cfg.node_key_file),
        master_key=master,
        registry=MemberRegistry() if genesis else load_members_file(cfg.members_file),
        log_id=cfg.log_id,
        verify_backend=cfg.verify_backend,
        verify_workers=cfg.verify_workers or None,
        pipeline=PipelineConfig(cfg.block_max_records, cfg.block_max_ms, cfg.max_pending_records),
        record_check=check_rules,
    )


def serve(cfg: NodeConfig, *, insecure_dev: bool, ready_file: Path | None = None) -> int:
    """Serve until a signal; returns the exit code (0 after a clean shutdown)."""
    bound_malloc()
    node = Node.open(node_settings(cfg))
    tls = TlsFiles(cfg.tls_cert, cfg.tls_key, cfg.tls_client_ca) if cfg.tls_cert else None  # type: ignore[arg-type]
    if tls is not None and insecure_dev:
        log.warning("--insecure-dev: IGNORING the configured TLS files; plaintext, no client identities")
        tls = None
    limits = ServerLimits(records_per_s=cfg.rate_records_per_s, records_burst=cfg.rate_burst)
    server, port = build_server(node, cfg.listen, tls=tls, insecure_dev=insecure_dev, limits=limits)
    metrics_port = serve_metrics(node.metrics, cfg.metrics_port, cfg.metrics_addr) if cfg.metrics_port else 0
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    # Start-up objects live as long as the node: keep them out of the collector's work, and collect
    # young objects less often (ingest allocates many short-lived ones per record).
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    server.start()
    head = node.latest_checkpoint()
    log.info(
        "serving %s on port %d (backend %s, tree size %d, metrics port %d)",
        cfg.log_id, port, node.backend.name, head.tree_size if head else 0, metrics_port,
    )
    if ready_file is not None:
        ready_file.write_text(f"{port} {metrics_port}\n")
    trimmer = Trimmer().start()
    stop.wait()
    trimmer.stop()
    log.info("shutting down: refusing new RPCs, committing the blocks in flight")
    server.stop(grace=10).wait()
    node.close()
    log.info("shutdown complete")
    return 0
