"""Lead-generator analytics: pure, typed Polars. Never imports Streamlit."""
