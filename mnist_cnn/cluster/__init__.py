"""Several app servers on one machine: a private PostgreSQL, N Streamlit replicas and HAProxy in front of them."""
