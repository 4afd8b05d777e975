"""Tandem cloud: the gRPC Conversation service in front of a llama.cpp worker process.

Modules: settings (frozen settings), sentences (sentence splitter),
worker_messages / llm_worker / worker_client (the model process and its pipe
protocol), service (the servicer), server (build, health, drain), cli
(`tandem cloud serve`), tasks (bounded task cancellation), tiny_gguf and
testing (a tiny real model + a real server on a free port, for tests).
"""
