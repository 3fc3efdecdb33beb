"""Thin servicer for consortium membership: apply a signed change, list members, prove a member's history."""

from __future__ import annotations

import grpc

from ledger.errors import NotFound, error_for
from ledger.ingest import Refusal
from ledger.members.changes import parse_change
from ledger.members.registry import Member, MemberRegistry
from ledger.node import Node
from ledger.service import convert
from ledger.service.auth import caller_member
from ledger.service.limits import check_deadline
from ledger.service.status import rpc
from ledger.v1 import membership_pb2, membership_pb2_grpc, records_pb2


def member_info(m: Member, reg: MemberRegistry) -> membership_pb2.MemberInfo:
    info = membership_pb2.MemberInfo(member_id=m.member_id, name=m.name, roles=sorted(m.roles), joined_at=m.joined_at)
    for k in sorted((k for k in reg.keys.values() if k.member_id == m.member_id), key=lambda k: k.valid_from):
        ki = info.keys.add(key_id=k.key_id, public_key=k.public_key, valid_from=k.valid_from)
        if k.valid_until is not None:
            ki.valid_until = k.valid_until
    for a, b in m.past_suspensions:
        info.suspensions.add(from_size=a, until_size=b)
    if m.suspended_from is not None:
        info.suspensions.add(from_size=m.suspended_from)
    return info


class MembershipServicer(membership_pb2_grpc.MembershipServicer):
    def __init__(self, node: Node) -> None:
        self.node = node

    @rpc
    def ApplyChange(
        self, request: records_pb2.SignedRecord, context: grpc.ServicerContext
    ) -> membership_pb2.ChangeReceipt:
        member = caller_member(context)
        check_deadline(context)
        (r,) = self.node.submit_membership([convert.submitted_one(request)], member)
        if isinstance(r, Refusal):
            raise error_for(r.code, r.reason)
        ch = parse_change(request.payload)
        return membership_pb2.ChangeReceipt(
            receipt=convert.receipt_pb(r),
            effective_tree_size=ch.effective_tree_size or r.leaf_index + 1,
        )

    @rpc
    def ListMembers(
        self, request: membership_pb2.ListMembersRequest, context: grpc.ServicerContext
    ) -> membership_pb2.ListMembersResponse:
        size = self.node.committer.tree_size
        reg = self.node.registry.copy()
        return membership_pb2.ListMembersResponse(
            members=[member_info(reg.members[m], reg) for m in sorted(reg.members)], tree_size=size
        )

    @rpc
    def GetMemberHistory(
        self, request: membership_pb2.GetMemberHistoryRequest, context: grpc.ServicerContext
    ) -> membership_pb2.MemberHistoryResponse:
        cp = self.node.reader.checkpoint(request.tree_size)
        idx = self.node.membership.member_entries(request.member_id, cp.tree_size)
        if request.member_id and not idx:
            raise NotFound(f"member_id: no membership entries for {request.member_id!r} at size {cp.tree_size}")
        entries = self.node.reader.entries(idx, cp) if idx else []
        return membership_pb2.MemberHistoryResponse(
            entries=convert.history_entries_pb(entries),
            checkpoint=convert.checkpoint_pb(cp),
        )
