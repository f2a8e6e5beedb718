"""Real servers the fleet tests run: `headroom proxy` processes (proxies.py) and a load balancer (balancer.py)."""
