//! Link impairment methods of `_native.Client`: set, clear, read back, re-apply. The Python
//! face is `Container.impair("wan", delay="100ms")` (models.py); the mechanism is core's
//! (`dockernet_core::impair`).

use dockernet_core::impair::Impairment;
use pyo3::prelude::*;

use crate::client::PyClient;
use crate::convert::{to_py, value};
use crate::error::PyResultExt;

#[pymethods]
impl PyClient {
    /// Sets the impairment of `container`'s link on `network` from a dict of tc values
    /// (`{"delay": "40ms", "loss": 1}`; `None` or `{}` clears) and records it for `impair_reapply`.
    #[pyo3(signature = (container, network, impairment=None))]
    fn impair_apply(
        &self,
        py: Python<'_>,
        container: &str,
        network: &str,
        impairment: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let what = format!("Container({container:?}).impair({network:?})");
        let imp = match impairment {
            None => Impairment::default(),
            Some(v) if v.is_none() => Impairment::default(),
            Some(v) => Impairment::from_value(value::<serde_json::Value>(v, &what)?, &what).py()?,
        };
        let c = self.inner.client();
        self.wait(py, c.impair_apply(container, network, &imp))
    }

    /// What dockernet's qdisc on that link sets now (`{"rate": "10mbit"}`), or `None`.
    fn impair_read(&self, py: Python<'_>, container: &str, network: &str) -> PyResult<Py<PyAny>> {
        let c = self.inner.client();
        match self.wait(py, c.impair_read(container, network))? {
            Some(i) => to_py(py, &i.to_map()),
            None => Ok(py.None()),
        }
    }

    /// Puts back what was asked for `container` where the kernel lacks it (after a restart);
    /// returns `[(network, impairment dict)]` of what it set.
    fn impair_reapply(&self, py: Python<'_>, container: &str) -> PyResult<Py<PyAny>> {
        let c = self.inner.client();
        let done = self.wait(py, c.impair_reapply(container))?;
        let done: Vec<(String, std::collections::BTreeMap<&str, String>)> =
            done.into_iter().map(|(n, i)| (n, i.to_map())).collect();
        to_py(py, &done)
    }

    /// The impairment of each network of a running container (`{network: dict | None}`), as
    /// `interfaces()` shows it.
    fn impair_list(&self, py: Python<'_>, container: &str) -> PyResult<Py<PyAny>> {
        let c = self.inner.client();
        let all = self.wait(py, c.impair_list(container))?;
        let all: std::collections::BTreeMap<String, Option<std::collections::BTreeMap<&str, String>>> =
            all.into_iter().map(|(n, i)| (n, i.map(|i| i.to_map()))).collect();
        to_py(py, &all)
    }
}
