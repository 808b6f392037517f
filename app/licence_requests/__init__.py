"""Licence change and renewal requests (许可证变更/延续申请), with the green channel (绿色通道)."""
