using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace CompatService.Dashboard.Tests.Browser;

/// <summary>Debian's headless chromium through its chromedriver (no downloads: the network is closed).</summary>
public static class Chrome
{
    public const string Browser = "/usr/bin/chromium";
    public const string Driver = "/usr/bin/chromedriver";

    public static string? WhyUnavailable() =>
        !File.Exists(Browser) ? $"{Browser} is missing (apt-get install -y chromium chromium-driver)"
        : !File.Exists(Driver) ? $"{Driver} is missing (apt-get install -y chromium-driver)"
        : null;

    public static ChromeDriver Start(string profileDir)
    {
        var options = new ChromeOptions { BinaryLocation = Browser };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-default-apps", "--disable-extensions", "--window-size=1600,1000", "--user-data-dir=" + profileDir);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(60);
        return driver;
    }

    public static T WaitFor<T>(this IWebDriver driver, Func<IWebDriver, T?> condition, int seconds = 30, string? what = null) where T : class
    {
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(seconds)) { Message = what ?? "waiting for the page" };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        return wait.Until(condition)!;
    }

    public static void WaitUntil(this IWebDriver driver, Func<IWebDriver, bool> condition, int seconds = 30, string? what = null)
    {
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(seconds)) { Message = what ?? "waiting for the page" };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        wait.Until(condition);
    }

    /// <summary>Loads a page and waits until the Blazor circuit is interactive (the marker InteractiveMarker renders).</summary>
    public static void OpenInteractive(this IWebDriver driver, Uri url)
    {
        driver.Navigate().GoToUrl(url);
        driver.WaitFor(d => d.FindElement(By.Id("circuit-interactive")), 60, "the Blazor circuit to become interactive");
    }
}
